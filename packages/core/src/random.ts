// Seeded pseudo-random numbers for reproducible simulations (sampling, shuffling, partitions).
// Not for cryptography: secure aggregation and differential privacy draw from WebCrypto.

/** A deterministic generator of floats in [0, 1). */
export type Rng = () => number;

/**
 * xoshiro128** seeded through splitmix32: fast, 2^128 − 1 period, good enough for simulation.
 * @example const rng = createRng(42); const i = Math.floor(rng() * n);
 */
export function createRng(seed: number): Rng {
  let x = seed >>> 0;
  const next32 = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next32(), b = next32(), c = next32(), d = next32();
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T, rng: Rng): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * Draws k distinct items without replacement, each with probability proportional to its weight
 * among those not yet drawn (Efraimidis & Spirakis 2006: the k largest keys u^(1/w)). A weight
 * must be > 0: every item keeps a chance.
 * @example sampleWeighted(['a', 'b'], [1, 3], 1, createRng(1)); // 'b' three times as often as 'a'
 */
export function sampleWeighted<T>(items: readonly T[], weights: readonly number[], k: number, rng: Rng): T[] {
  // log(u)/w orders like u^(1/w) without underflow for small weights.
  const keyed = items.map((item, i) => ({ item, key: Math.log(Math.max(rng(), Number.MIN_VALUE)) / weights[i]! }));
  keyed.sort((a, b) => b.key - a.key);
  return keyed.slice(0, Math.min(k, keyed.length)).map((e) => e.item);
}

/** Draws k distinct items uniformly without replacement. */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const copy = items.slice();
  shuffleInPlace(copy, rng);
  return copy.slice(0, Math.min(k, copy.length));
}
