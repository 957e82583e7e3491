// The party worker's Paillier pool: nested module Web Workers, each checked to answer before the pool uses it.
import { PaillierError, PaillierWorkerPool } from '@flotilla/privacy';
import type { PaillierReply, PaillierRequest, PaillierWorkerEndpoint } from '@flotilla/privacy';
import type { VerticalRole } from '@flotilla/vertical';

/** How the party runs its Paillier work: on `workers` nested workers, or (0) alone, with the reason. */
export interface PaillierUse {
  workers: number;
  reason?: string;
}

/**
 * Workers for a role: the arbiter decrypts on every core, a guest or host leaves one core to its
 * own training loop while the others fill its r^n pool (as the Node party CLI does).
 */
export function paillierPoolSize(role: VerticalRole, cores = navigator.hardwareConcurrency || 2): number {
  return role === 'arbiter' ? cores : Math.max(1, cores - 1);
}

// The pool numbers its requests from 1, so a reply to id 0 is the probe's; n = 35 makes it instant.
const PROBE: PaillierRequest = { id: 0, op: 'factors', n: 35n, count: 1 };
// A module worker that loads answers in milliseconds; one that never answers must not stall the party.
const START_TIMEOUT_MS = 10_000;

/**
 * One nested worker, resolved once it has answered the probe (so its chunk loaded and its code
 * runs); `onCrash` if it fails later (its pending requests would otherwise never settle).
 */
function startWorker(onCrash: (message: string) => void): Promise<PaillierWorkerEndpoint> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./paillier.worker.ts', import.meta.url), { type: 'module', name: 'flotilla-paillier' });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const fail = (message: string): void => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`no answer in ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    worker.onerror = (e) => {
      e.preventDefault();
      fail(e.message || 'the worker script did not load');
    };
    worker.onmessage = (e: MessageEvent<PaillierReply>) => {
      if (e.data.id !== PROBE.id) return;
      clearTimeout(timer);
      worker.onerror = null;
      worker.onmessage = null;
      if (!e.data.ok) return fail(e.data.message);
      worker.addEventListener('error', (err) => {
        // Handled here: unprevented, it would also surface as an uncaught error of the party worker.
        err.preventDefault();
        onCrash(err.message || 'a Paillier worker stopped');
      });
      resolve({
        postMessage: (m) => worker.postMessage(m),
        onMessage: (listener) => worker.addEventListener('message', (m: MessageEvent<PaillierReply>) => listener(m.data)),
        terminate: () => worker.terminate(),
      });
    };
    worker.postMessage(PROBE);
  });
}

/** A started pool: `crashed` rejects (PAILLIER_WORKER_FAILED) if one of its workers fails mid-job. */
export interface StartedPaillierPool {
  pool: PaillierWorkerPool | null;
  use: PaillierUse;
  crashed: Promise<never>;
}

/**
 * A pool of up to `size` nested Web Workers (those that start), or null with the reason when none
 * does (no nested workers in this browser, a chunk that fails to load): the party then runs
 * Paillier on its own worker, slower but the same protocol.
 * @example const { pool, use, crashed } = await startPaillierPool(paillierPoolSize('arbiter')); … await pool?.close();
 */
export async function startPaillierPool(size: number): Promise<StartedPaillierPool> {
  let crash: (err: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => { crash = reject; });
  // A crash after the job ended has no one to tell; the party only races it while it runs.
  crashed.catch(() => undefined);
  const onCrash = (message: string): void => crash(new PaillierError('PAILLIER_WORKER_FAILED', `a Paillier worker failed: ${message}`));
  const started = await Promise.allSettled(Array.from({ length: size }, () => startWorker(onCrash)));
  const endpoints = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (endpoints.length === 0) {
    const first = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const why = first?.reason instanceof Error ? first.reason.message : String(first?.reason);
    return { pool: null, use: { workers: 0, reason: `nested Web Workers could not start (${why})` }, crashed };
  }
  const workers = endpoints.length;
  return { pool: new PaillierWorkerPool(() => endpoints.shift()!, workers), use: { workers }, crashed };
}
