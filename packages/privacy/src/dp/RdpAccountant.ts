// RDP accountant for the sampled Gaussian mechanism: composes steps, reports ε at a chosen δ.
import { PrivacyError } from '../PrivacyError.ts';
import { DEFAULT_RDP_ORDERS, type RdpConversion, getPrivacySpent, rdpSampledGaussian } from './rdp.ts';

/** A run of `steps` identical mechanisms (noise multiplier z, sampling rate q). */
export interface RdpHistoryEntry {
  readonly noiseMultiplier: number;
  readonly sampleRate: number;
  readonly steps: number;
}

/**
 * Opacus's RDPAccountant in TypeScript: records (z, q, steps), merges consecutive identical
 * entries, and converts the composed RDP at Opacus's default orders into ε (Balle et al. 2020).
 * For client-level DP-FedAvg one step is one round with q = expected clients / population.
 * @example
 * const acc = new RdpAccountant();
 * acc.step(1.1, 256 / 60000, 14_062);
 * acc.getEpsilon(1e-5); // ≈ 2.60
 */
export class RdpAccountant {
  #history: RdpHistoryEntry[] = [];
  /** Per-step RDP vectors by (z, q): a dashboard asking every round recomputes nothing. */
  #cache = new Map<string, number[]>();

  constructor(
    history: readonly RdpHistoryEntry[] = [],
    readonly orders: readonly number[] = DEFAULT_RDP_ORDERS,
  ) {
    for (const h of history) this.step(h.noiseMultiplier, h.sampleRate, h.steps);
  }

  /** The composed mechanisms so far (a copy; store it per round and pass it back to resume). */
  get history(): RdpHistoryEntry[] {
    return this.#history.map((h) => ({ ...h }));
  }

  /** Records `steps` more steps with noise multiplier z and sampling rate q. */
  step(noiseMultiplier: number, sampleRate: number, steps = 1): void {
    if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) invalid(`noise multiplier ${noiseMultiplier}`);
    if (!(sampleRate >= 0 && sampleRate <= 1)) invalid(`sample rate ${sampleRate}`);
    if (!Number.isInteger(steps) || steps < 0) invalid(`steps ${steps}`);
    if (steps === 0) return;
    const last = this.#history.at(-1);
    if (last && last.noiseMultiplier === noiseMultiplier && last.sampleRate === sampleRate) {
      this.#history[this.#history.length - 1] = { ...last, steps: last.steps + steps };
    } else {
      this.#history.push({ noiseMultiplier, sampleRate, steps });
    }
  }

  /** Composed RDP at each order. */
  rdp(orders: readonly number[] = this.orders): number[] {
    const total = new Array<number>(orders.length).fill(0);
    for (const h of this.#history) {
      const perStep = this.#perStep(h.noiseMultiplier, h.sampleRate, orders);
      for (let i = 0; i < orders.length; i++) total[i] = total[i]! + perStep[i]! * h.steps;
    }
    return total;
  }

  /** ε and the optimal order α at `delta`. */
  getPrivacySpent(
    delta: number,
    options: { orders?: readonly number[]; conversion?: RdpConversion } = {},
  ): { epsilon: number; bestAlpha: number } {
    const orders = options.orders ?? this.orders;
    return getPrivacySpent({ orders, rdp: this.rdp(orders), delta, conversion: options.conversion ?? 'balle2020' });
  }

  /** ε spent so far at `delta` (Opacus's get_epsilon). */
  getEpsilon(delta: number): number {
    return this.getPrivacySpent(delta).epsilon;
  }

  #perStep(z: number, q: number, orders: readonly number[]): number[] {
    const key = `${z}|${q}|${orders === this.orders ? 'default' : orders.join(',')}`;
    let v = this.#cache.get(key);
    if (!v) {
      v = orders.map((a) => rdpSampledGaussian(q, z, a));
      this.#cache.set(key, v);
    }
    return v;
  }
}

function invalid(what: string): never {
  throw new PrivacyError('DP_INVALID_CONFIG', `invalid accountant input: ${what}`);
}
