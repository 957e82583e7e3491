// A token bucket: `capacity` tokens, refilled continuously at `perSecond`. The clock is passed in
// so the admission rules are tested with fake time.

/**
 * @example const bucket = new TokenBucket(10, 2, Date.now()); if (!bucket.take(Date.now())) refuse();
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(readonly capacity: number, readonly perSecond: number, now: number) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when a token is there to take (taking none). */
  hasToken(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** True once the bucket has refilled completely: its state no longer matters and it can be dropped. */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perSecond);
    this.updatedAt = now;
  }
}
