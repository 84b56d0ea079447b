/**
 * Listens on host:port (0 = any free port) and resolves to the port bound. The lab's three kinds
 * of listener (TDS, ARM, control) refuse a busy port the same way: LAB_PORT_IN_USE.
 */
import type { Server } from 'node:net';
import { AgmedicError } from '../errors.js';

export async function listenOn(server: Server, host: string, port: number | undefined, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        err.code === 'EADDRINUSE'
          ? new AgmedicError('LAB_PORT_IN_USE', `${what} port ${port ?? 0} on ${host} is already in use`, { cause: err })
          : new AgmedicError('LAB_CONTROL', `cannot listen on ${host}:${port ?? 0} (${what}): ${err.message}`, { cause: err }),
      );
    };
    server.once('error', onError);
    server.listen(port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : (port ?? 0);
}
