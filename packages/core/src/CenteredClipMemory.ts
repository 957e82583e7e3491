// The server state of centered clipping: the momentum of past aggregates, the next round's centre.
import { centeredClip } from './centeredClip.ts';
import { AggregationError } from './errors.ts';
import { assertLength } from './preconditions.ts';
import { buffered, type ReducerFactory } from './updateReducers.ts';

/** τ, L and β of the `centeredclip` strategy. */
export interface CenteredClipConfig {
  clipRadius: number;
  iterations: number;
  momentum: number;
}

/**
 * Karimireddy et al. 2021 keep momentum on the workers and clip around the previous aggregate.
 * Cross-device clients are sampled afresh each round and keep nothing, so the server keeps it:
 * v = CC_τ^L(Δ; m) is this round's step, then m ← β·m + (1 − β)·v is the next round's centre
 * (m starts at 0 and takes the first round's v as it is, so round 2 clips around round 1's step).
 * An attacker can then drag the centre only slowly, whichever clients are sampled. The state is
 * checkpointed like a server optimiser's moments (key `centre`), so a restart resumes.
 */
export class CenteredClipMemory {
  readonly stateKeys: readonly string[] = ['centre'];
  #centre: Float32Array | null = null;

  constructor(readonly config: Readonly<CenteredClipConfig>) {}

  /** The round's reducer: buffers the updates, clips them around the centre, moves the centre. */
  reducer(): ReducerFactory {
    const { clipRadius, iterations, momentum } = this.config;
    return buffered((updates) => {
      const v = centeredClip(updates, { tau: clipRadius, iterations, centre: this.#centre });
      const previous = this.#centre;
      // The first aggregate starts the momentum as it is, rather than shrunk towards zero.
      const next = previous === null ? v.slice() : new Float32Array(v.length);
      if (previous !== null) for (let i = 0; i < v.length; i++) next[i] = momentum * previous[i]! + (1 - momentum) * v[i]!;
      this.#centre = next;
      return v;
    });
  }

  /** Throws if a restored centre does not fit a model of `length` parameters. */
  assertModelLength(length: number): void {
    if (this.#centre) assertLength(this.#centre.length, length, 'centered clipping centre');
  }

  exportState(): Record<string, Float32Array> {
    return this.#centre ? { centre: this.#centre.slice() } : {};
  }

  /** Accepts `{ centre }` or nothing (a fresh centre at zero). Copies what it keeps. */
  importState(state: Record<string, Float32Array>): void {
    const centre = state.centre;
    if (centre === undefined) {
      this.#centre = null;
      return;
    }
    if (!(centre instanceof Float32Array) || !centre.every(Number.isFinite)) {
      throw new AggregationError('AGGREGATION_INVALID_STATE', "state 'centre' must be a finite Float32Array");
    }
    this.#centre = centre.slice();
  }
}
