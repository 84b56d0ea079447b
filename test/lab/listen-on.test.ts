import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLab } from '../../src/lab/index.js';

describe('lab listeners', () => {
  it('refuse a busy base port with LAB_PORT_IN_USE, naming the port', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      await expect(startLab({ basePort: port })).rejects.toMatchObject({ code: 'LAB_PORT_IN_USE', message: expect.stringContaining(`port ${port}`) });
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
