import { randomUUID } from 'node:crypto';
import { ArmBackendError, type ArmClock } from './types.js';

export type OperationKind = 'put' | 'patch' | 'delete' | 'failover' | 'setRole' | 'putCertificate' | 'deleteCertificate';
export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed';

export interface LinkOperation {
  readonly id: string;
  readonly kind: OperationKind;
  /** The resource's name as the request spelled it: a link, or `serverTrustCertificates/{name}`. */
  readonly dag: string;
  /** Lower-cased managed instance and link names, so one pending change per link can be enforced. */
  readonly key: string;
  readonly startedAt: number;
  readonly dueAt: number;
  status: OperationStatus;
  endedAt?: number;
  error?: ArmBackendError;
}

/** Completed operations kept for late polls; ARM keeps them for a while too, not forever. */
const KEEP_FINISHED = 1000;

export const linkKey = (mi: string, dag: string): string => `${mi.toLowerCase()}/${dag.toLowerCase()}`;

/**
 * Long-running operations of the emulator. A change is applied to the backend only when its operation
 * completes, and completion is checked when a request arrives (`settleDue`) rather than by a timer:
 * the emulator then needs no background work, and a manual clock in tests decides exactly when.
 */
export class OperationStore {
  private readonly ops = new Map<string, { op: LinkOperation; apply: () => Promise<unknown> }>();

  constructor(
    private readonly clock: ArmClock,
    private readonly delayMs: number,
  ) {}

  start(kind: OperationKind, mi: string, dag: string, apply: () => Promise<unknown>): LinkOperation {
    const now = this.clock.now();
    const op: LinkOperation = { id: randomUUID(), kind, dag, key: linkKey(mi, dag), startedAt: now, dueAt: now + this.delayMs, status: 'InProgress' };
    this.ops.set(op.id, { op, apply });
    this.forgetOldest();
    return op;
  }

  get(id: string): LinkOperation | undefined {
    return this.ops.get(id.toLowerCase())?.op;
  }

  pendingFor(mi: string, dag: string): LinkOperation | undefined {
    const key = linkKey(mi, dag);
    for (const { op } of this.ops.values()) if (op.key === key && op.status === 'InProgress') return op;
    return undefined;
  }

  /** Applies every operation whose time has come, oldest first, as the service would have. */
  async settleDue(): Promise<void> {
    const now = this.clock.now();
    for (const { op, apply } of this.ops.values()) {
      if (op.status !== 'InProgress' || op.dueAt > now) continue;
      try {
        await apply();
        op.status = 'Succeeded';
      } catch (err) {
        op.status = 'Failed';
        op.error =
          err instanceof ArmBackendError
            ? err
            : new ArmBackendError(500, 'InternalServerError', `the lab backend failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      op.endedAt = now;
    }
  }

  /** Seconds a client should wait before polling again, as Retry-After wants them. */
  retryAfterSeconds(op: LinkOperation): number {
    return Math.max(0, Math.ceil((op.dueAt - this.clock.now()) / 1000));
  }

  private forgetOldest(): void {
    const finished = [...this.ops.values()].filter(({ op }) => op.status !== 'InProgress');
    for (const { op } of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.ops.delete(op.id);
  }
}
