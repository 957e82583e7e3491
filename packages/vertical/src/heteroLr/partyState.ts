// What guest and host share: the public key, own weights, the step counter, masking and unmasking.
import { deserializePublicKey, PaillierError, PaillierRandomnessPool } from '@flotilla/privacy';
import type { PaillierWorkerPool } from '@flotilla/privacy';
import type { PaillierCiphertext, PaillierPublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { batchOfStep, resolveHeteroLrConfig } from './config.ts';
import type { HeteroLrConfig, ResolvedHeteroLrConfig } from './config.ts';
import { ciphertextsToWire, fromResidue, GRADIENT_FRACTION_BITS, randomResidue } from './encoding.ts';
import { expectMessage } from './messages.ts';
import type { HeteroLrDecryptedGradientMessage, HeteroLrMaskedGradientMessage, HeteroLrRole } from './messages.ts';

/** Smallest modulus a party accepts from the arbiter (1024 only in tests; 2048 is the default key). */
export const MIN_HETERO_LR_KEY_BITS = 1024;

/**
 * Shared mechanics of a data-holding party: it owns `weights` (and only it updates them), sends
 * its encrypted gradient under a one-time mask uniform in Z_n, and removes the mask from what the
 * arbiter decrypts. `step` advances when the decrypted gradient has been applied.
 */
export abstract class HeteroLrPartyState {
  readonly config: ResolvedHeteroLrConfig;
  protected readonly weightsInternal: Float64Array;
  protected key: PaillierPublicKey | undefined;
  protected pool: PaillierRandomnessPool | undefined;
  protected stepInternal = 0;
  private pendingMasks: bigint[] | undefined;

  protected constructor(
    readonly role: HeteroLrRole,
    protected readonly features: Float32Array,
    readonly featureCount: number,
    config: HeteroLrConfig,
    weightCount: number,
  ) {
    this.config = resolveHeteroLrConfig(config);
    if (!Number.isInteger(featureCount) || featureCount < 1 || features.length !== this.config.rows * featureCount) {
      throw new VerticalError('VFL_BAD_PARAMETER', `features must be rows × featureCount = ${this.config.rows} × ${featureCount}`);
    }
    this.weightsInternal = new Float64Array(weightCount);
  }

  /** A copy of this party's own weights. */
  get weights(): Float64Array {
    return this.weightsInternal.slice();
  }

  /** The next step to run (0-based, counting over epochs). */
  get step(): number {
    return this.stepInternal;
  }

  /** Accepts the arbiter's public key (VFL_MALFORMED or VFL_BAD_PARAMETER if it is not a usable one). */
  receivePublicKey(message: unknown): void {
    const m = expectMessage(message, 'hetero-lr.public-key');
    let key: PaillierPublicKey;
    try {
      key = deserializePublicKey(m.key);
    } catch (e) {
      if (e instanceof PaillierError) throw new VerticalError('VFL_MALFORMED', `public key: ${e.message}`);
      throw e;
    }
    if (key.bits < MIN_HETERO_LR_KEY_BITS) throw new VerticalError('VFL_BAD_PARAMETER', `key of ${key.bits} bits is below ${MIN_HETERO_LR_KEY_BITS}`);
    this.key = key;
    this.pool = new PaillierRandomnessPool(key);
  }

  /**
   * Fills the randomness pool ahead of time (r^n does not depend on the plaintext), so that the
   * step's encryptions are one multiplication each. @example await host.precompute(200)
   */
  async precompute(factors: number): Promise<void> {
    this.requireKey();
    await this.pool!.fillPool(factors);
  }

  /**
   * Precomputes `factors` on a worker pool in the background: each chunk joins the randomness
   * pool as it arrives, and an encryption that finds the pool empty computes its factor on the
   * spot, so training never waits for the fill. Resolves when the fill is done.
   * @example void host.precomputeOn(workers, 2000);
   */
  async precomputeOn(workers: PaillierWorkerPool, factors: number): Promise<void> {
    const key = this.requireKey();
    const pool = this.pool!;
    await workers.randomFactors(key.n, factors, undefined, (chunk) => pool.addFactors(chunk));
  }

  /** Encryptions that found the randomness pool empty and computed their r^n on the spot. */
  get randomnessFallbacks(): number {
    return this.pool?.fallbackCount ?? 0;
  }

  protected requireKey(): PaillierPublicKey {
    if (!this.key) throw new VerticalError('VFL_OUT_OF_ORDER', 'no public key received yet');
    return this.key;
  }

  protected batch(): { start: number; end: number } {
    return batchOfStep(this.stepInternal, this.config);
  }

  /** Masks [[g_j]] with fresh E(r_j), r_j uniform in Z_n (the sum is re-randomised by E(r_j)'s randomness). */
  protected maskGradient(encrypted: readonly (PaillierCiphertext | undefined)[]): HeteroLrMaskedGradientMessage {
    const key = this.requireKey();
    if (this.pendingMasks) throw new VerticalError('VFL_OUT_OF_ORDER', 'a masked gradient of this step is already out');
    const masks = encrypted.map(() => randomResidue(key.n));
    const masked = encrypted.map((c, j) => {
      const maskCiphertext = this.pool!.encrypt(masks[j]!);
      return c === undefined ? maskCiphertext : key.add(c, maskCiphertext);
    });
    this.pendingMasks = masks;
    return { type: 'hetero-lr.masked-gradient', step: this.stepInternal, party: this.role, gradient: ciphertextsToWire(masked, key) };
  }

  /**
   * Removes the masks from the arbiter's reply, turns Σ d·x into the mean gradient plus the L2
   * term and takes one SGD step on this party's weights; then the next step begins. Returns the
   * gradient applied. VFL_MALFORMED / VFL_OUT_OF_ORDER on a bad reply (weights unchanged).
   */
  applyGradient(message: unknown): Float64Array {
    const key = this.requireKey();
    const m = expectMessage(message, 'hetero-lr.decrypted-gradient', this.stepInternal) as Partial<HeteroLrDecryptedGradientMessage>;
    const masks = this.pendingMasks;
    if (!masks) throw new VerticalError('VFL_OUT_OF_ORDER', 'no masked gradient awaits a reply');
    if (m.party !== this.role) throw new VerticalError('VFL_MALFORMED', `reply for the ${String(m.party)}, this is the ${this.role}`);
    if (!Array.isArray(m.values) || m.values.length !== masks.length) throw new VerticalError('VFL_MALFORMED', `expected ${masks.length} values`);
    const values = m.values.map((hex) => {
      if (typeof hex !== 'string' || !/^[0-9a-f]{1,1024}$/i.test(hex)) throw new VerticalError('VFL_MALFORMED', 'values must be hex residues');
      const v = BigInt('0x' + hex);
      if (v >= key.n) throw new VerticalError('VFL_MALFORMED', 'value outside Z_n');
      return v;
    });
    const { start, end } = this.batch();
    const rows = end - start;
    const gradient = new Float64Array(masks.length);
    for (let j = 0; j < masks.length; j++) {
      const g = fromResidue((((values[j]! - masks[j]!) % key.n) + key.n) % key.n, key.n, GRADIENT_FRACTION_BITS) / rows;
      gradient[j] = g + (this.isPenalised(j) ? this.config.l2 * this.weightsInternal[j]! : 0);
      if (!Number.isFinite(gradient[j]!)) throw new VerticalError('VFL_MALFORMED', 'decrypted gradient is not finite');
    }
    for (let j = 0; j < masks.length; j++) this.weightsInternal[j]! -= this.config.learningRate * gradient[j]!;
    this.pendingMasks = undefined;
    this.stepInternal++;
    this.onStepDone();
    return gradient;
  }

  /** Whether weight j carries the L2 penalty (not an intercept). */
  protected isPenalised(_j: number): boolean {
    return true;
  }

  /** Clears per-step state once the step is complete. */
  protected abstract onStepDone(): void;

  /** Plaintext scores w·x of the given rows (own features only). */
  protected partialScores(features: Float32Array, start: number, end: number): Float64Array {
    const d = this.featureCount;
    const out = new Float64Array(end - start);
    for (let i = start; i < end; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += this.weightsInternal[j]! * features[i * d + j]!;
      out[i - start] = s;
    }
    return out;
  }
}
