// Conv2DBackpropFilter for the tfjs WASM backend, which lacks it: without it no CNN trains on WASM.

import * as tf from '@tensorflow/tfjs';
import { heap, im2col, matMul, rowsPerBlock, type WasmBackend } from './wasmConv.ts';

// dW[K, outC] = colᵀ · dy[M, outC] = (dyᵀ[outC, M] · col[M, K])ᵀ. Only the untransposed matmul is
// fast on WASM, so we transpose the two small operands (dy and the result) ourselves in JS.
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter on wasm needs float32 tensors');
  const g = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const outC = g.outChannels;
  const M = g.batchSize * g.outHeight * g.outWidth;
  const K = g.filterHeight * g.filterWidth * g.inChannels;

  const dw = backend.makeOutput(filterShape, 'float32');
  heap(backend, dw).fill(0);
  const block = rowsPerBlock(K);
  for (let m0 = 0; m0 < M; m0 += block) {
    const rows = Math.min(block, M - m0);
    const col = backend.makeOutput([rows, K], 'float32');
    const dyT = backend.makeOutput([outC, rows], 'float32');
    im2col(g, heap(backend, x), heap(backend, col), m0, rows);
    const dyV = heap(backend, dy);
    const dyTV = heap(backend, dyT);
    for (let r = 0; r < rows; r++) {
      const from = (m0 + r) * outC;
      for (let c = 0; c < outC; c++) dyTV[c * rows + r] = dyV[from + c]!;
    }
    const product = matMul(backend, dyT, col); // [1, outC, K]
    const productV = heap(backend, product);
    const dwV = heap(backend, dw); // [kH, kW, inC, outC] = [K, outC]
    for (let c = 0; c < outC; c++) {
      const base = c * K;
      for (let k = 0, i = c; k < K; k++, i += outC) dwV[i] = dwV[i]! + productV[base + k]!;
    }
    backend.disposeData(product.dataId);
    backend.disposeData(col.dataId);
    backend.disposeData(dyT.dataId);
  }
  return dw;
}

/** Kernel config: Conv2DBackpropFilter on 'wasm' (NHWC, any strides, same/valid/explicit padding, dilation 1). */
export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
