// Batch Shamir reconstruction for the SecAgg server: Lagrange coefficients cached per holder set.
import { PrivacyError } from '../PrivacyError.ts';
import { bigIntToBytes } from '../bytes.ts';
import { type ShamirShare, interpolate, lagrangeCoefficients } from '../shamir/shamir.ts';

/**
 * Reconstructs many 32-byte secrets from the first t shares (by holder id) of each. In a round
 * most secrets are shared among the same survivors, so the O(t²) Lagrange weights are computed
 * once per distinct holder set and each secret then costs t multiplications.
 */
export class Reconstructor {
  #cache = new Map<string, bigint[]>();

  constructor(readonly threshold: number) {}

  bytes(shares: readonly ShamirShare[]): Uint8Array {
    if (shares.length < this.threshold) {
      throw new PrivacyError('SECAGG_TOO_FEW_SURVIVORS', `${shares.length} shares, threshold ${this.threshold}`);
    }
    const base = [...shares].sort((a, b) => a.x - b.x).slice(0, this.threshold);
    const xs = base.map((s) => s.x);
    const key = xs.join(',');
    let lambdas = this.#cache.get(key);
    if (!lambdas) {
      lambdas = lagrangeCoefficients(xs, 0);
      this.#cache.set(key, lambdas);
    }
    const value = interpolate(base, lambdas);
    if (value >= 1n << 256n) throw new PrivacyError('SECAGG_BAD_SHARE', 'reconstructed value exceeds 32 bytes');
    return bigIntToBytes(value, 32);
  }
}
