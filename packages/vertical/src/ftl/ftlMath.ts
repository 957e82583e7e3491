// The FTL objective in the clear: Φ_A, the Taylor-approximated logistic loss on the overlap plus γ‖u_A − u_B‖², and its gradients.

/** Labels 0/1 as ±1, the sign convention of the article. @example signOf(0) // -1 */
export const signOf = (label: number): number => (label === 1 ? 1 : -1);

/**
 * Φ_A = (1/N_A) Σ_k y_k u_A,k over every guest row (rows × dim representations, labels 0/1): the
 * guest's class direction in the common space; φ(u_B) = Φ_A·u_B scores any host row.
 * @example const phi = phiOf(uA, labels, 8);
 */
export function phiOf(uA: Float64Array, labels: Uint8Array, dim: number): Float64Array {
  const phi = new Float64Array(dim);
  const n = labels.length;
  for (let k = 0; k < n; k++) {
    const y = signOf(labels[k]!);
    for (let j = 0; j < dim; j++) phi[j]! += (y * uA[k * dim + j]!) / n;
  }
  return phi;
}

/** Loss and gradients of one step. */
export interface FtlGradients {
  loss: number;
  /** ∂L/∂Φ_A (dim): the guest spreads it over its rows as (y_k/N_A)·∂L/∂Φ_A. */
  byPhi: Float64Array;
  /** ∂L/∂u_A of the batch's overlap rows from the alignment term, (2γ/b)(u_A − u_B) (b × dim). */
  guestAlignment: Float64Array;
  /** ∂L/∂u_B of the batch's rows (b × dim). */
  host: Float64Array;
}

/**
 * Plaintext gradients of one step over a batch of b overlap rows (their guest representations
 * `uA`, labels `y`, host representations `uB`), given Φ_A:
 * L = (1/b) Σ_i [log 2 − ½ y_i φ_i + ⅛ φ_i²] + (γ/b) Σ_i ‖u_A,i − u_B,i‖², φ_i = Φ_A·u_B,i.
 * The encrypted protocol computes exactly these (up to fixed-point rounding).
 * @example const g = ftlGradients(phi, uA, y, uB, 8, 0.05);
 */
export function ftlGradients(phi: Float64Array, uA: Float64Array, labels: Uint8Array, uB: Float64Array, dim: number, gamma: number): FtlGradients {
  const b = labels.length;
  const byPhi = new Float64Array(dim);
  const guestAlignment = new Float64Array(b * dim);
  const host = new Float64Array(b * dim);
  let loss = 0;
  for (let i = 0; i < b; i++) {
    const y = signOf(labels[i]!);
    let score = 0;
    for (let j = 0; j < dim; j++) score += phi[j]! * uB[i * dim + j]!;
    const c = -0.5 * y + 0.25 * score;
    loss += Math.LN2 - 0.5 * y * score + 0.125 * score * score;
    for (let j = 0; j < dim; j++) {
      const diff = uA[i * dim + j]! - uB[i * dim + j]!;
      loss += gamma * diff * diff;
      byPhi[j]! += (c * uB[i * dim + j]!) / b;
      host[i * dim + j] = (c * phi[j]! - 2 * gamma * diff) / b;
      guestAlignment[i * dim + j] = (2 * gamma * diff) / b;
    }
  }
  return { loss: loss / b, byPhi, guestAlignment, host };
}

/**
 * ∂L/∂u_A of every guest row: (y_k/N_A)·∂L/∂Φ_A, plus the alignment term at the batch's rows
 * (`batchRows[i]` is the guest row of batch row i).
 * @example const g = guestGradient(grads.byPhi, grads.guestAlignment, labels, batchRows, 8);
 */
export function guestGradient(byPhi: Float64Array, alignment: Float64Array, labels: Uint8Array, batchRows: readonly number[], dim: number): Float64Array {
  const n = labels.length;
  const out = new Float64Array(n * dim);
  for (let k = 0; k < n; k++) {
    const y = signOf(labels[k]!);
    for (let j = 0; j < dim; j++) out[k * dim + j] = (y * byPhi[j]!) / n;
  }
  batchRows.forEach((row, i) => {
    for (let j = 0; j < dim; j++) out[row * dim + j]! += alignment[i * dim + j]!;
  });
  return out;
}

/** Scores φ(u_B) = Φ_A·u_B of rows × dim representations. @example ftlScores(phi, uB, 8) */
export function ftlScores(phi: Float64Array, uB: Float64Array, dim: number): Float64Array {
  const rows = uB.length / dim;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += phi[j]! * uB[r * dim + j]!;
    out[r] = s;
  }
  return out;
}
