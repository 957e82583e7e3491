// A faster Conv2DBackpropInput for the tfjs WASM backend (its own is a scalar C++ loop).

import * as tf from '@tensorflow/tfjs';
import { col2imAdd, heap, matMul, rowsPerBlock, type WasmBackend } from './wasmConv.ts';

// dcol[M, K] = dy[M, outC] · Wᵀ[outC, K], then col2im scatters each patch back onto dx. tfjs
// 4.22's WASM kernel loops over every (pixel, filter tap) in C++: on the MNIST CNN's second layer
// it took 116–180 ms at batch 10 against 27–35 ms for this one (bench/backends.ts, 2 cores).
function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only');
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv2DBackpropInput on wasm needs float32 tensors');
  const g = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const outC = g.outChannels;
  const M = g.batchSize * g.outHeight * g.outWidth;
  const K = g.filterHeight * g.filterWidth * g.inChannels;

  const dx = backend.makeOutput(inputShape, 'float32');
  const wT = backend.makeOutput([outC, K], 'float32');
  const wV = heap(backend, filter); // [kH, kW, inC, outC] = [K, outC]
  const wTV = heap(backend, wT);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < outC; c++) wTV[c * K + k] = wV[k * outC + c]!;
  }
  heap(backend, dx).fill(0);
  const block = rowsPerBlock(K);
  for (let m0 = 0; m0 < M; m0 += block) {
    const rows = Math.min(block, M - m0);
    const dyBlock = backend.makeOutput([rows, outC], 'float32');
    heap(backend, dyBlock).set(heap(backend, dy).subarray(m0 * outC, (m0 + rows) * outC));
    const dcol = matMul(backend, dyBlock, wT); // [1, rows, K]
    col2imAdd(g, heap(backend, dcol), heap(backend, dx), m0, rows);
    backend.disposeData(dcol.dataId);
    backend.disposeData(dyBlock.dataId);
  }
  backend.disposeData(wT.dataId);
  return dx;
}

/** Kernel config: Conv2DBackpropInput on 'wasm' (NHWC, any strides, same/valid/explicit padding, dilation 1). */
export const conv2DBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
