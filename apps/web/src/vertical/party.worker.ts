// The vertical party page's worker: runs the party (PSI, Paillier, tfjs for the split NN) off the
// page's thread and posts its status, reports, tfjs backend and Paillier workers back (hetero LR
// starts nested Paillier workers from here). The .wasm binaries are Vite assets.

import { chooseBackend } from '@flotilla/client';
import type { VerticalRole } from '@flotilla/vertical';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import { runParty } from './runParty.ts';
import type { OwnTableChoice } from './ownTable.ts';
import type { PartyWorkerMessage } from './partyWorkerMessages.ts';

const absolute = (url: string) => new URL(url, self.location.href).href;
const post = (m: PartyWorkerMessage): void => self.postMessage(m);

/** WASM (CPU if WASM does not start here); a short benchmark only, the party is what takes time. */
async function prepareTfjs(): Promise<void> {
  const choice = await chooseBackend({
    force: 'wasm',
    wasmPaths: {
      'tfjs-backend-wasm.wasm': absolute(wasmUrl),
      'tfjs-backend-wasm-simd.wasm': absolute(wasmSimdUrl),
      // Never fetched (the ladder turns multithreading off), but tfjs wants the entry in a map.
      'tfjs-backend-wasm-threaded-simd.wasm': absolute(wasmSimdUrl),
    },
    benchmarkExamples: 20,
    benchmarkBudgetMs: 300,
  });
  post({ type: 'backend', backend: choice.backend });
}

/** The page's request; `own` carries the picked File (a Blob is cloned to the worker, its bytes read only here). */
self.onmessage = (e: MessageEvent<{ job: string; role: VerticalRole; token: string; own?: OwnTableChoice }>) => {
  const { job, role, token, own } = e.data;
  void runParty(job, role, token, {
    onStatus: (status) => post({ type: 'status', status }),
    onReport: (report) => post({ type: 'report', report }),
    prepareTfjs,
    onTable: (table) => post({ type: 'table', table }),
    onPaillier: (paillier) => post({ type: 'paillier', paillier }),
  }, own);
};
