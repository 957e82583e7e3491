// Small vector helpers the aggregators and the round engine share: norms and finiteness checks.

/**
 * Euclidean norm, accumulated in Float64 so that a 1M-parameter update does not lose precision.
 * @example l2Norm(new Float32Array([3, 4])) // 5
 */
export function l2Norm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/**
 * Index of the first NaN or ±Infinity, or −1. The round engine rejects such an update (a
 * `FitFailure` with reason 'rejected') before it can reach, and poison, the global model.
 * @example findNonFinite(new Float32Array([1, NaN])) // 1
 */
export function findNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) {
    // x − x is 0 for every finite x and NaN for NaN and ±Infinity: one branch per element.
    const x = v[i]!;
    if (x - x !== 0) return i;
  }
  return -1;
}
