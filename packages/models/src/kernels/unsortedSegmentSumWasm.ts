// UnsortedSegmentSum for the tfjs WASM backend, which lacks it: it is the gradient of gather, so
// without it no embedding layer (every text model) trains on WASM.

import * as tf from '@tensorflow/tfjs';
import type { WasmBackend } from './wasmConv.ts';

// out[segmentIds[i], …] += x[i, …]; ids outside [0, numSegments) are dropped, as TensorFlow does.
// A JS loop over the heap: an embedding gradient is batch·sequence rows of a few dozen floats.
function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, segmentIds } = args.inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum on wasm needs float32 or int32 values, got ${x.dtype}`);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const outV = backend.typedArrayFromHeap(out);
  outV.fill(0);
  const xV = backend.typedArrayFromHeap(x);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * inner;
    const to = segment * inner;
    for (let k = 0; k < inner; k++) outV[to + k] = outV[to + k]! + xV[from + k]!;
  }
  return out;
}

/** Kernel config: UnsortedSegmentSum on 'wasm' (float32 or int32 values, any segment-id rank). */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
