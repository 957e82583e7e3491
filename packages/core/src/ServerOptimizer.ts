// The one server-optimiser step every strategy applies to its aggregated update, with its state.
import { AggregationError } from './errors.ts';
import { assertLength } from './preconditions.ts';

/**
 * How the aggregated update Δ̄ moves the global model x:
 * - plain: x ← x + Δ̄ (FedAvg, FedProx and the robust aggregators).
 * - momentum: v ← βv + Δ̄; x ← x + η·v (FedAvgM, Hsu et al. 2019, arXiv:1909.06335).
 * - adam | yogi | adagrad: Reddi et al. 2021 (arXiv:2003.00295), Algorithm 2:
 *   m ← β1·m + (1 − β1)·Δ̄; v per rule; x ← x + η·m / (√v + τ).
 */
export type ServerRule =
  | { kind: 'plain' }
  | { kind: 'momentum'; learningRate: number; momentum: number }
  | { kind: 'adam' | 'yogi' | 'adagrad'; learningRate: number; beta1: number; beta2: number; tau: number };

type SecondMoment = 'adam' | 'yogi' | 'adagrad';

/**
 * Holds a rule's moments between rounds (Float32, so that exported state restores bit for bit)
 * and applies the rule in a single loop shared by every strategy.
 */
export class ServerOptimizer {
  #m: Float32Array | null = null;
  #v: Float32Array | null = null;

  constructor(readonly rule: ServerRule) {}

  /** The state keys this rule checkpoints. */
  get stateKeys(): readonly string[] {
    switch (this.rule.kind) {
      case 'plain':
        return [];
      case 'momentum':
        return ['momentum'];
      case 'adam':
      case 'yogi':
      case 'adagrad':
        return ['m', 'v'];
      default:
        return assertNever(this.rule);
    }
  }

  /** Throws if restored moments do not fit a model of `length` parameters. */
  assertModelLength(length: number): void {
    if (this.#m) assertLength(this.#m.length, length, 'server optimiser state');
  }

  /** x + step(Δ̄) as a new array; updates the moments. */
  step(global: Float32Array, delta: Float32Array): Float32Array {
    assertLength(delta.length, global.length, 'aggregated update');
    this.assertModelLength(global.length);
    const rule = this.rule;
    const out = new Float32Array(global.length);
    if (rule.kind === 'plain') {
      for (let i = 0; i < out.length; i++) out[i] = global[i]! + delta[i]!;
      return out;
    }
    const adaptive = rule.kind !== 'momentum';
    // Reddi et al. start v at τ² or above (Algorithm 2, v₋₁ ≥ τ²); Flower starts it at 0.
    // The difference is below Float32 resolution for any non-zero Δ̄.
    const m = (this.#m ??= new Float32Array(global.length));
    const v = adaptive ? (this.#v ??= new Float32Array(global.length).fill(rule.tau ** 2)) : null;
    const eta = rule.learningRate;
    const mDecay = adaptive ? rule.beta1 : rule.momentum;
    const mGain = adaptive ? 1 - rule.beta1 : 1;
    const second: SecondMoment | null = adaptive ? rule.kind : null;
    const beta2 = adaptive ? rule.beta2 : 0;
    const tau = adaptive ? rule.tau : 0;
    for (let i = 0; i < out.length; i++) {
      const d = delta[i]!;
      const mi = mDecay * m[i]! + mGain * d;
      m[i] = mi;
      let direction = mi;
      if (v !== null && second !== null) {
        const vi = nextSecondMoment(second, v[i]!, d * d, beta2);
        v[i] = vi;
        direction /= Math.sqrt(vi) + tau;
      }
      out[i] = global[i]! + eta * direction;
    }
    return out;
  }

  exportState(): Record<string, Float32Array> {
    const state: Record<string, Float32Array> = {};
    if (this.#m === null) return state;
    const [mKey, vKey] = this.stateKeys;
    if (mKey !== undefined) state[mKey] = this.#m.slice();
    if (vKey !== undefined && this.#v !== null) state[vKey] = this.#v.slice();
    return state;
  }

  /** Accepts exactly this rule's keys, or none (fresh moments). Copies what it keeps. */
  importState(state: Record<string, Float32Array>): void {
    const keys = Object.keys(state);
    const expected = this.stateKeys;
    if (keys.length === 0) {
      this.#m = null;
      this.#v = null;
      return;
    }
    const same = keys.length === expected.length && expected.every((k) => state[k] instanceof Float32Array);
    if (!same) {
      throw new AggregationError(
        'AGGREGATION_INVALID_STATE',
        `expected state keys [${expected.join(', ')}], got [${keys.join(', ')}]`,
      );
    }
    const arrays = expected.map((k) => state[k]!);
    const length = arrays[0]!.length;
    arrays.forEach((a, i) => {
      assertLength(a.length, length, `state '${expected[i]}'`);
      if (!a.every(Number.isFinite)) {
        throw new AggregationError('AGGREGATION_INVALID_STATE', `state '${expected[i]}' is not finite`);
      }
    });
    const v = arrays[1];
    if (v !== undefined && v.some((x) => x < 0)) {
      throw new AggregationError('AGGREGATION_INVALID_STATE', "state 'v' has negative entries");
    }
    this.#m = arrays[0]!.slice();
    this.#v = v ? v.slice() : null;
  }
}

function nextSecondMoment(kind: SecondMoment, v: number, d2: number, beta2: number): number {
  switch (kind) {
    case 'adam':
      return beta2 * v + (1 - beta2) * d2;
    case 'yogi':
      // Yogi moves v towards Δ̄² by a step that does not scale with v (Zaheer et al. 2018).
      return v - (1 - beta2) * d2 * Math.sign(v - d2);
    case 'adagrad':
      return v + d2;
    default:
      return assertNever(kind);
  }
}

function assertNever(value: never): never {
  throw new AggregationError('AGGREGATION_INVALID_CONFIG', `unknown server rule ${String(value)}`);
}
