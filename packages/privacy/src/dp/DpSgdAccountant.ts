// Privacy accounting for sample-level DP-SGD in federated training: the ε of one example held by
// one client, composed over every update its client has sent (RDP, Mironov 2017; Opacus's conversion).
import { PrivacyError } from '../PrivacyError.ts';
import { DEFAULT_RDP_ORDERS, getPrivacySpent, rdpSampledGaussian } from './rdp.ts';

export interface DpSgdAccountingOptions {
  /** σ: the noise on each step's sum of clipped gradients has std σ·C. */
  readonly noiseMultiplier: number;
  /** δ of the (ε, δ) guarantee reported. */
  readonly delta: number;
  /** Local epochs E and batch size B of every round. */
  readonly epochs: number;
  readonly batchSize: number;
}

/** A client of the next round: its id and the examples it holds (unknown → it is not previewed). */
export interface PlannedClient {
  readonly clientId: string;
  readonly numExamples: number | null;
}

/**
 * An example lives on one client and is seen only when that client trains. A client with n
 * examples runs E·⌈n/B⌉ DP-SGD steps per round, each a sampled Gaussian mechanism with q = B/n
 * (TF Privacy's compute_dp_sgd_privacy treats shuffled batches as Poisson sampling at that rate,
 * as done here). ε spent is the largest over clients: the guarantee that holds for every example.
 * Rounds a client sat out cost its examples nothing.
 * @example
 * const acc = new DpSgdAccountant({ noiseMultiplier: 1.1, delta: 1e-5, epochs: 1, batchSize: 10 });
 * acc.recordUpdate('c1', 600); // 60 steps at q = 1/60
 * acc.epsilonSpent();
 */
export class DpSgdAccountant {
  /** Per client: steps taken at each sampling rate. */
  readonly #steps = new Map<string, Map<number, number>>();
  readonly #rdpByRate = new Map<number, number[]>();
  #spent = 0;

  constructor(readonly options: DpSgdAccountingOptions) {
    const { noiseMultiplier: z, delta, epochs, batchSize } = options;
    if (!(z >= 0) || !Number.isFinite(z)) throw new PrivacyError('DP_INVALID_CONFIG', `noise multiplier ${z} must be finite and ≥ 0`);
    if (!(delta > 0 && delta < 1)) throw new PrivacyError('DP_INVALID_CONFIG', `delta ${delta} must lie in (0, 1)`);
    if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
      throw new PrivacyError('DP_INVALID_CONFIG', `epochs ${epochs} and batch size ${batchSize} must be integers ≥ 1`);
    }
  }

  get delta(): number {
    return this.options.delta;
  }

  /** Records one round's update from `clientId`, trained on `numExamples` examples. */
  recordUpdate(clientId: string, numExamples: number): void {
    const { rate, steps } = this.#round(numExamples);
    const history = this.#steps.get(clientId) ?? new Map<number, number>();
    history.set(rate, (history.get(rate) ?? 0) + steps);
    this.#steps.set(clientId, history);
    this.#spent = Math.max(this.#spent, this.#epsilon(history));
  }

  /** ε at δ for the most exposed example so far (0 before any update). */
  epsilonSpent(): number {
    return this.#spent;
  }

  /** ε spent after the planned clients train one more round (clients of unknown size are left out). */
  epsilonAfterRound(clients: readonly PlannedClient[]): number {
    let worst = this.#spent;
    for (const { clientId, numExamples } of clients) {
      if (numExamples === null || numExamples < 1) continue;
      const { rate, steps } = this.#round(numExamples);
      const history = new Map(this.#steps.get(clientId));
      history.set(rate, (history.get(rate) ?? 0) + steps);
      worst = Math.max(worst, this.#epsilon(history));
    }
    return worst;
  }

  #round(numExamples: number): { rate: number; steps: number } {
    if (!Number.isInteger(numExamples) || numExamples < 1) throw new PrivacyError('DP_INVALID_CONFIG', `example count ${numExamples} must be an integer ≥ 1`);
    const { epochs, batchSize } = this.options;
    return { rate: Math.min(1, batchSize / numExamples), steps: epochs * Math.ceil(numExamples / batchSize) };
  }

  #epsilon(history: ReadonlyMap<number, number>): number {
    const rdp = new Array<number>(DEFAULT_RDP_ORDERS.length).fill(0);
    for (const [rate, steps] of history) {
      let perStep = this.#rdpByRate.get(rate);
      if (!perStep) {
        perStep = DEFAULT_RDP_ORDERS.map((a) => rdpSampledGaussian(rate, this.options.noiseMultiplier, a));
        this.#rdpByRate.set(rate, perStep);
      }
      for (let i = 0; i < rdp.length; i++) rdp[i] = rdp[i]! + perStep[i]! * steps;
    }
    return getPrivacySpent({ orders: DEFAULT_RDP_ORDERS, rdp, delta: this.options.delta, conversion: 'balle2020' }).epsilon;
  }
}
