// A party's representation network u = tanh(W₂·tanh(W₁x + b₁) + b₂) in plain Float64 math, trained by SGD from ∂L/∂u.
import { createRng } from '@flotilla/core';

/** Activations of one forward pass, kept for the backward pass. */
export interface RepresentationPass {
  rows: number;
  input: Float32Array;
  hidden: Float64Array;
  /** rows × dim representations, each entry in (−1, 1): bounded, so their fixed-point codes are too. */
  output: Float64Array;
}

/**
 * A two-layer dense network mapping a party's features into the common d-dim space. Its
 * weights never leave the party; only what the protocol computes from its outputs does.
 * @example
 * const net = new RepresentationNet(21, 16, 8, 3);
 * const pass = net.forward(features, rows);
 * net.backward(pass, gradientOfLossByOutput, 0.5);
 */
export class RepresentationNet {
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  readonly b2: Float64Array;
  /** Heavy-ball velocities of w1, b1, w2, b2. */
  private readonly velocity: Float64Array[];

  constructor(readonly inputs: number, readonly hiddenUnits: number, readonly dim: number, seed: number) {
    const rng = createRng(seed);
    // Glorot-uniform, so tanh starts in its linear range.
    const init = (fanIn: number, fanOut: number): Float64Array => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return Float64Array.from({ length: fanIn * fanOut }, () => (rng() * 2 - 1) * limit);
    };
    this.w1 = init(inputs, hiddenUnits);
    this.b1 = new Float64Array(hiddenUnits);
    this.w2 = init(hiddenUnits, dim);
    this.b2 = new Float64Array(dim);
    this.velocity = [this.w1, this.b1, this.w2, this.b2].map((w) => new Float64Array(w.length));
  }

  /** Representations of `rows` rows of `input` (rows × inputs, row-major). */
  forward(input: Float32Array, rows: number): RepresentationPass {
    const { inputs, hiddenUnits: h, dim } = this;
    const hidden = new Float64Array(rows * h);
    const output = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < h; j++) {
        let s = this.b1[j]!;
        for (let i = 0; i < inputs; i++) s += input[r * inputs + i]! * this.w1[i * h + j]!;
        hidden[r * h + j] = Math.tanh(s);
      }
      for (let k = 0; k < dim; k++) {
        let s = this.b2[k]!;
        for (let j = 0; j < h; j++) s += hidden[r * h + j]! * this.w2[j * dim + k]!;
        output[r * dim + k] = Math.tanh(s);
      }
    }
    return { rows, input, hidden, output };
  }

  /**
   * One SGD step with momentum `momentum` (heavy ball) from ∂L/∂u of the pass's rows (rows × dim;
   * rows that did not enter the loss carry zeros).
   */
  backward(pass: RepresentationPass, gradient: Float64Array, learningRate: number, momentum = 0.9): void {
    const { inputs, hiddenUnits: h, dim } = this;
    const gw1 = new Float64Array(this.w1.length);
    const gb1 = new Float64Array(h);
    const gw2 = new Float64Array(this.w2.length);
    const gb2 = new Float64Array(dim);
    const dz2 = new Float64Array(dim);
    const dz1 = new Float64Array(h);
    for (let r = 0; r < pass.rows; r++) {
      let any = false;
      for (let k = 0; k < dim; k++) {
        const u = pass.output[r * dim + k]!;
        dz2[k] = gradient[r * dim + k]! * (1 - u * u);
        if (dz2[k] !== 0) any = true;
      }
      if (!any) continue;
      for (let j = 0; j < h; j++) {
        const a = pass.hidden[r * h + j]!;
        let s = 0;
        for (let k = 0; k < dim; k++) {
          gw2[j * dim + k]! += a * dz2[k]!;
          s += this.w2[j * dim + k]! * dz2[k]!;
        }
        dz1[j] = s * (1 - a * a);
        gb1[j]! += dz1[j]!;
      }
      for (let k = 0; k < dim; k++) gb2[k]! += dz2[k]!;
      for (let i = 0; i < inputs; i++) {
        const x = pass.input[r * inputs + i]!;
        if (x === 0) continue;
        for (let j = 0; j < h; j++) gw1[i * h + j]! += x * dz1[j]!;
      }
    }
    [gw1, gb1, gw2, gb2].forEach((g, p) => {
      const w = [this.w1, this.b1, this.w2, this.b2][p]!;
      const v = this.velocity[p]!;
      for (let i = 0; i < w.length; i++) {
        v[i] = momentum * v[i]! + g[i]!;
        w[i]! -= learningRate * v[i]!;
      }
    });
  }
}
