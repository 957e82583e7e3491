// The join page's training worker: a module Web Worker exposing the browser trainer with comlink.
// The .wasm binaries are emitted by Vite as assets (no network at run time, no CDN).

import { expose, transfer } from 'comlink';
import { createTrainerWorkerApi } from '@flotilla/client';
// Registers the WebGPU rung of the ladder, which measures it against the others like any rung.
import '@tensorflow/tfjs-backend-webgpu';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';

// The threaded build is deliberately not shipped: it hung minified under COOP/COEP and gained
// ≤ 7 % here. The ladder turns WASM_HAS_MULTITHREAD_SUPPORT off, so its entry (which tfjs insists
// on when given a map) is never fetched.
const absolute = (url: string) => new URL(url, self.location.href).href;
const api = createTrainerWorkerApi({
  wasmPaths: {
    'tfjs-backend-wasm.wasm': absolute(wasmUrl),
    'tfjs-backend-wasm-simd.wasm': absolute(wasmSimdUrl),
    'tfjs-backend-wasm-threaded-simd.wasm': absolute(wasmSimdUrl),
  },
  transfer: (value, transferables) => transfer(value, transferables),
});

expose(api);
