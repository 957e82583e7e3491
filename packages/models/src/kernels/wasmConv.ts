// Shared pieces of our WASM convolution-gradient kernels: im2col, col2im, and the backend's matmul.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

// Both gradients are matrix products over the input unrolled into patches (im2col):
// col[M, K] with M = batch·outH·outW output pixels and K = kH·kW·inC patch entries. We build the
// operands in JS straight on the WASM heap and multiply with the backend's own BatchMatMul, whose
// untransposed form is fast (XNNPACK): for the MNIST CNN's second layer at batch 10, a·b takes
// ~14 ms against ~185 ms with transposeA and ~570 ms for a JS triple loop (2-core dev machine).

/** Largest im2col block in floats per product: bounds extra heap use to 16 MB at any batch size. */
export const MAX_COL_FLOATS = 1 << 22;

/** The parts of tfjs's Conv2DInfo the patch loops need. */
export type ConvGeometry = Pick<
  tf.backend_util.Conv2DInfo,
  'inHeight' | 'inWidth' | 'inChannels' | 'outHeight' | 'outWidth' | 'filterHeight' | 'filterWidth' | 'strideHeight' | 'strideWidth' | 'padInfo'
>;

/** The WASM backend as our kernels use it. */
export type WasmBackend = BackendWasm;

/** Rows per im2col block so that a block holds at most {@link MAX_COL_FLOATS}, and at least one row. */
export function rowsPerBlock(patchSize: number, maxFloats = MAX_COL_FLOATS): number {
  return Math.max(1, Math.floor(maxFloats / patchSize));
}

/**
 * Calls `visit` once per (output pixel, filter row) of rows [m0, m0 + rows): `colOffset` is where
 * that filter row's patch entries start in the block, `xOffset` where the in-image part starts in
 * the NHWC input, `kwLo`/`kwHi` the filter columns inside the image (exclusive end). With
 * dilation 1 those columns are contiguous in NHWC memory, so each visit is one contiguous run.
 */
function forEachPatchRow(
  g: ConvGeometry, m0: number, rows: number,
  visit: (colOffset: number, xOffset: number, kwLo: number, kwHi: number, inside: boolean) => void,
): void {
  const perImage = g.outHeight * g.outWidth;
  const patchRow = g.filterWidth * g.inChannels;
  for (let r = 0; r < rows; r++) {
    const m = m0 + r;
    const b = Math.floor(m / perImage);
    const oh = Math.floor((m - b * perImage) / g.outWidth);
    const ow = m - b * perImage - oh * g.outWidth;
    const ih0 = oh * g.strideHeight - g.padInfo.top;
    const iw0 = ow * g.strideWidth - g.padInfo.left;
    const kwLo = Math.max(0, -iw0);
    const kwHi = Math.min(g.filterWidth, g.inWidth - iw0);
    for (let kh = 0; kh < g.filterHeight; kh++) {
      const ih = ih0 + kh;
      const inside = ih >= 0 && ih < g.inHeight && kwHi > kwLo;
      const xOffset = ((b * g.inHeight + ih) * g.inWidth + iw0 + kwLo) * g.inChannels;
      visit((r * g.filterHeight + kh) * patchRow, xOffset, kwLo, kwHi, inside);
    }
  }
}

/** Writes the patches of output pixels [m0, m0 + rows) into `col` ([rows, K]), zeros for padding. */
export function im2col(g: ConvGeometry, x: Float32Array, col: Float32Array, m0: number, rows: number): void {
  const c = g.inChannels;
  const patchRow = g.filterWidth * c;
  forEachPatchRow(g, m0, rows, (k, src, kwLo, kwHi, inside) => {
    if (!inside) {
      col.fill(0, k, k + patchRow);
      return;
    }
    const dst = k + kwLo * c;
    const len = (kwHi - kwLo) * c;
    if (kwLo > 0) col.fill(0, k, dst);
    // A subarray is an allocation: for short runs (few input channels) a plain loop is faster.
    if (len < 64) {
      for (let j = 0; j < len; j++) col[dst + j] = x[src + j]!;
    } else {
      col.set(x.subarray(src, src + len), dst);
    }
    if (kwHi < g.filterWidth) col.fill(0, dst + len, k + patchRow);
  });
}

/** Adds each patch of `col` ([rows, K]) back onto the NHWC image it came from: im2col's adjoint. */
export function col2imAdd(g: ConvGeometry, col: Float32Array, dx: Float32Array, m0: number, rows: number): void {
  const c = g.inChannels;
  forEachPatchRow(g, m0, rows, (k, dst, kwLo, kwHi, inside) => {
    if (!inside) return;
    const src = k + kwLo * c;
    const len = (kwHi - kwLo) * c;
    for (let j = 0; j < len; j++) dx[dst + j] = dx[dst + j]! + col[src + j]!;
  });
}

/** a[m, k] · b[k, n] with the WASM backend's BatchMatMul; the caller disposes the [1, m, n] result. */
export function matMul(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (kernel === undefined) throw new Error('the wasm backend has no BatchMatMul kernel');
  return kernel.kernelFunc({
    inputs: { a, b },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
}

/** A float32 view of a tensor on the WASM heap. Take it after the last allocation: growth detaches it. */
export function heap(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
