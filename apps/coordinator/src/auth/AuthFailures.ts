// Wrong operator tokens counted per address: past a burst, an address's attempts are refused with
// FLT_RATE_LIMITED, right or wrong, until its bucket refills, so a configured token (which may be
// short) cannot be guessed online at the server's full speed. Only wrong tokens count: a request
// without one, or with an expired session, is no guess.

import { addressKey } from '../ws/addressKey.ts';
import { TokenBucket } from '../ws/tokenBucket.ts';

export interface AuthFailureLimits {
  /** Wrong tokens one address may send in a row… */
  burst: number;
  /** …and how many more a minute after that. */
  perMinute: number;
}

/** A dashboard user mistyping, or a script with a stale token retrying, stays far below these. */
export const DEFAULT_AUTH_FAILURE_LIMITS: AuthFailureLimits = { burst: 20, perMinute: 10 };

/** Buckets that refilled are dropped this often, so the table holds only recent guessers. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * @example if (failures.blocked(req.ip)) refuse429(); else if (!sameSecret(t, token)) { failures.failed(req.ip); refuse401(); }
 */
export class AuthFailures {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(readonly limits: AuthFailureLimits = DEFAULT_AUTH_FAILURE_LIMITS, private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  /** True while the address has used up its wrong tokens: its attempts are refused without being checked. */
  blocked(ip: string): boolean {
    return this.buckets.get(addressKey(ip))?.hasToken(this.now()) === false;
  }

  /** Counts a wrong token from the address. */
  failed(ip: string): void {
    const now = this.now();
    this.sweep(now);
    const address = addressKey(ip);
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.burst, this.limits.perMinute / 60, now);
      this.buckets.set(address, bucket);
    }
    bucket.take(now);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [address, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(address);
  }
}
