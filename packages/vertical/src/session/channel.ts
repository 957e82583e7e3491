// The transport a vertical party runs over: send to a role, await the next message of a type from a role.
import { VerticalError } from '../VerticalError.ts';

/** Progress a party reports (to the coordinator, which shows it to the operator). */
export type VerticalReport =
  | { kind: 'intersection'; size: number }
  | { kind: 'step'; step: number; steps: number }
  | { kind: 'epoch'; epoch: number; loss?: number; accuracy?: number };

/** What a party needs from its transport (a coordinator relay socket, or memory in tests). */
export interface VerticalChannel {
  /** Sends one protocol message (a plain object with a string `type`). */
  send(to: string, payload: object): void;
  /** The next message of `type` from `from`, in arrival order. */
  receive(from: string, type: string): Promise<Record<string, unknown>>;
  report(report: VerticalReport): void;
}

type Waiter = { resolve: (m: Record<string, unknown>) => void; reject: (e: unknown) => void };

/**
 * Per-(sender, type) queues between a transport's message handler and a party's `receive`, so
 * messages may arrive in any order (a host's scores before the guest asks for them). `fail`
 * rejects every pending and future receive, e.g. when the socket closes.
 * @example
 * socket.on('message', (m) => mailbox.deliver(m.from, m.payload));
 * const scores = await mailbox.receive('host', 'hetero-lr.host-scores');
 */
export class Mailbox {
  private readonly queues = new Map<string, Record<string, unknown>[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private failure: unknown;

  /** Queues a message from `from` (VFL_MALFORMED if it has no string type). */
  deliver(from: string, payload: unknown): void {
    const p = payload as Record<string, unknown> | null;
    if (typeof p !== 'object' || p === null || typeof p.type !== 'string') throw new VerticalError('VFL_MALFORMED', 'payload must be an object with a type');
    const key = `${from}\u0000${p.type}`;
    const waiter = this.waiters.get(key)?.shift();
    if (waiter) waiter.resolve(p);
    else this.queues.set(key, [...(this.queues.get(key) ?? []), p]);
  }

  receive(from: string, type: string): Promise<Record<string, unknown>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const key = `${from}\u0000${type}`;
    const queued = this.queues.get(key)?.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), { resolve, reject }]));
  }

  fail(error: unknown): void {
    this.failure = error;
    for (const list of this.waiters.values()) for (const w of list) w.reject(error);
    this.waiters.clear();
  }
}
