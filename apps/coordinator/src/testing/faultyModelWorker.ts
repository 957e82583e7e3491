// The model worker with faults on demand, for tests: at each evaluation it claims the first
// file in $FLOTILLA_TEST_WORKER_FAULTS (`1-crash`, `2-ok`, `3-hang`, … in name order) and dies
// with the evaluation pending (the thread exits, as after an abort in native code), hangs (a
// stuck kernel) or evaluates normally. Each file is claimed once; without files, no faults.

import { readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

const dir = process.env.FLOTILLA_TEST_WORKER_FAULTS;

function claimFault(): 'crash' | 'hang' | 'ok' | null {
  if (!dir) return null;
  for (const name of readdirSync(dir).filter((n) => /^\d+-(crash|hang|ok)$/.test(n)).sort()) {
    try {
      // A rename succeeds for one claimer only.
      renameSync(path.join(dir, name), path.join(dir, `${name}.claimed`));
      return name.slice(name.indexOf('-') + 1) as 'crash' | 'hang' | 'ok';
    } catch {
      continue;
    }
  }
  return null;
}

// The real worker first: the port starts delivering with the first listener, and a job sent
// while tfjs still loads would reach this listener alone. The real handler awaits before it
// answers, so the fault below still lands with the evaluation pending.
await import('../model/modelWorker.ts');

parentPort!.on('message', (msg: { method: string }) => {
  if (msg.method !== 'evaluate') return;
  const fault = claimFault();
  // Synchronously, so the fault always hits a job the coordinator is waiting for (a timer could
  // fire after a quick evaluation had already answered).
  if (fault === 'crash') process.exit(70);
  if (fault === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
