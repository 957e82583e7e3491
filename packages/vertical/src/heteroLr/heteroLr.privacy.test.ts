// What each hetero LR party sees: the arbiter only uniform residues, guest and host only ciphertexts; bad input refused.
import { describe, expect, it } from 'vitest';
import { ciphertextFromHex, deserializePublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { GRADIENT_FRACTION_BITS } from './encoding.ts';
import type { HeteroLrMaskedGradientMessage } from './messages.ts';
import { runHeteroLrStep, setUpHeteroLr } from './runHeteroLr.ts';
import type { HeteroLrParties } from './runHeteroLr.ts';
import { taylorLrBatch } from './taylor.ts';
import { pooledBinaryMnist } from './testData.ts';

/** χ²(15) quantile at 1 − 1e-6 (SciPy: chi2.ppf(1 - 1e-6, 15)): a false alarm once in a million runs. */
const CHI2_15_CRITICAL = 56.49;
/** Two-sided normal quantile at 1e-6; Pearson r has sd ≈ 1/√N under independence. */
const Z_CRITICAL = 4.89;

const ROWS = 64;
const config = { rows: ROWS, batchSize: 32, learningRate: 0.5 };

/** χ² of the top 4 bits of v/n against uniform over 16 buckets. */
function chiSquare16(fractions: number[]): number {
  const counts = new Array<number>(16).fill(0);
  for (const f of fractions) counts[Math.min(15, Math.floor(f * 16))]!++;
  const expected = fractions.length / 16;
  return counts.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
}

function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i]! - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

async function parties(): Promise<{ p: HeteroLrParties; data: Awaited<ReturnType<typeof pooledBinaryMnist>> }> {
  const data = await pooledBinaryMnist(ROWS);
  return { p: await setUpHeteroLr(data, config, 1024), data };
}

describe('what the hetero LR arbiter decrypts', () => {
  it('is uniform in Z_n and uncorrelated with the true gradient; unmasked it would not be', async () => {
    const { p, data } = await parties();
    const n = BigInt('0x' + p.arbiter.publicKeyMessage().key.n);
    const seen: number[] = [];
    const truth: number[] = [];
    for (let step = 0; step < 4; step++) {
      const start = (step % 2) * 32;
      const expected = taylorLrBatch(data, p.guest.weights, p.host.weights, start, start + 32, 0);
      const { toHost } = p.guest.residuals(p.host.scores());
      for (const [masked, gradient] of [
        [p.host.gradient(toHost), expected.host],
        [p.guest.gradient(), expected.guest],
      ] as const) {
        const reply = p.arbiter.decryptGradient(masked);
        reply.values.forEach((hex, j) => {
          // Fraction v/n with 53-bit precision: the top bits of the residue the arbiter holds.
          seen.push(Number((BigInt('0x' + hex) << 53n) / n) / 2 ** 53);
          truth.push(gradient[j]!);
        });
        (masked.party === 'host' ? p.host : p.guest).applyGradient(reply);
      }
    }
    expect(seen.length).toBe(4 * (49 + 1));
    expect(chiSquare16(seen)).toBeLessThan(CHI2_15_CRITICAL);
    expect(Math.abs(pearson(seen, truth))).toBeLessThan(Z_CRITICAL / Math.sqrt(seen.length));
    // Control: the same gradients unmasked, as residues, sit at the two ends of Z_n (χ² explodes).
    const unmasked = truth.map((g) => {
      const q = BigInt(Math.round(g * 32 * 2 ** 40)) << BigInt(GRADIENT_FRACTION_BITS - 40);
      return Number((((q % n) + n) % n << 53n) / n) / 2 ** 53;
    });
    expect(chiSquare16(unmasked)).toBeGreaterThan(CHI2_15_CRITICAL * 10);
  });
});

describe('what guest and host receive', () => {
  it('is ciphertexts only, fresh each time: the same scores encrypt to unrelated values', async () => {
    const { p } = await parties();
    const first = p.host.scores();
    // A second host with the same (zero) weights and rows encrypts the very same plaintexts.
    const { p: other } = await parties();
    other.host.receivePublicKey(p.arbiter.publicKeyMessage());
    const second = other.host.scores();
    expect(Object.keys(first).sort()).toEqual(['scores', 'squaredNorm', 'step', 'type']);
    expect(first.scores.every((c) => typeof c === 'string' && c.length === 512)).toBe(true);
    const again = new Set(second.scores);
    expect(first.scores.filter((c) => again.has(c))).toEqual([]);
    const { toHost } = p.guest.residuals(first);
    expect(Object.keys(toHost).sort()).toEqual(['residuals', 'step', 'type']);
    expect(toHost.residuals.every((c) => c.length === 512)).toBe(true);
    // The host knows its own [[u_h]]: dividing [[u_h]]^(2^22) out of [[d]] would leave (1 + n·offset)
    // mod n², the guest's ¼u_g − ½y in the clear, were [[d]] not re-randomised.
    const key = deserializePublicKey(p.arbiter.publicKeyMessage().key);
    const stripped = toHost.residuals.map((hex, i) => {
      const d = ciphertextFromHex(hex, key);
      const own = key.multiplyScalar(ciphertextFromHex(first.scores[i]!, key), -(1n << 22n));
      return key.add(d, own);
    });
    expect(stripped.filter((c) => (c - 1n) % key.n === 0n)).toEqual([]);
  });
});

describe('bad input', () => {
  const expectCode = (fn: () => unknown, code: string): void => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(VerticalError);
      expect((e as VerticalError).code).toBe(code);
      return;
    }
    throw new Error(`expected ${code}`);
  };

  it('rejects non-ciphertexts, wrong shapes and wrong steps, and leaves every model as it was', async () => {
    const { p } = await parties();
    const n = BigInt('0x' + p.arbiter.publicKeyMessage().key.n);
    const hex = (v: bigint): string => v.toString(16).padStart(512, '0');
    const scores = p.host.scores();
    for (const bad of [0n, n, n * n, n * 7n]) {
      expectCode(() => p.guest.residuals({ ...scores, scores: [hex(bad), ...scores.scores.slice(1)] }), 'VFL_BAD_CIPHERTEXT');
    }
    expectCode(() => p.guest.residuals({ ...scores, scores: scores.scores.slice(1) }), 'VFL_MALFORMED');
    expectCode(() => p.guest.residuals({ ...scores, step: 1 }), 'VFL_OUT_OF_ORDER');
    expectCode(() => p.guest.residuals({ ...scores, type: 'hetero-lr.residuals' }), 'VFL_MALFORMED');
    expectCode(() => p.guest.residuals(null), 'VFL_MALFORMED');
    const { toHost } = p.guest.residuals(scores);
    expectCode(() => p.host.gradient({ ...toHost, residuals: toHost.residuals.map(() => 'zz') }), 'VFL_BAD_CIPHERTEXT');
    const masked = p.host.gradient(toHost);
    const short: HeteroLrMaskedGradientMessage = { ...masked, gradient: masked.gradient.slice(1) };
    expectCode(() => p.arbiter.decryptGradient(short), 'VFL_MALFORMED');
    expectCode(() => p.arbiter.decryptGradient({ ...masked, gradient: [hex(n), ...masked.gradient.slice(1)] }), 'VFL_BAD_CIPHERTEXT');
    const reply = p.arbiter.decryptGradient(masked);
    expectCode(() => p.arbiter.decryptGradient(masked), 'VFL_OUT_OF_ORDER');
    expectCode(() => p.host.applyGradient({ ...reply, values: reply.values.slice(1) }), 'VFL_MALFORMED');
    expectCode(() => p.host.applyGradient({ ...reply, values: reply.values.map(() => n.toString(16)) }), 'VFL_MALFORMED');
    expectCode(() => p.host.applyGradient({ ...reply, party: 'guest' }), 'VFL_MALFORMED');
    expect(Array.from(p.host.weights).every((w) => w === 0)).toBe(true);
    expect(p.host.step).toBe(0);
    p.host.applyGradient(reply);
    expect(p.host.step).toBe(1);
    expect(Array.from(p.host.weights).some((w) => w !== 0)).toBe(true);
  });

  it('refuses a public key below 1024 bits and a step before the key', async () => {
    const data = await pooledBinaryMnist(ROWS);
    const { HeteroLrHost } = await import('./HeteroLrHost.ts');
    const host = new HeteroLrHost(data.hostFeatures, data.hostFeatureCount, config);
    expectCode(() => host.scores(), 'VFL_OUT_OF_ORDER');
    expectCode(() => host.receivePublicKey({ type: 'hetero-lr.public-key', key: { kind: 'paillier-public-key', version: 1, n: 'ff' } }), 'VFL_MALFORMED');
    const { generatePaillierKeyPair, serializePublicKey } = await import('@flotilla/privacy');
    const { publicKey } = await generatePaillierKeyPair({ bits: 768, insecureForTesting: true });
    expectCode(() => host.receivePublicKey({ type: 'hetero-lr.public-key', key: serializePublicKey(publicKey) }), 'VFL_BAD_PARAMETER');
  });

  it('keeps training after a rejected message', async () => {
    const { p } = await parties();
    expectCode(() => p.guest.residuals({ type: 'hetero-lr.host-scores', step: 0, scores: [], squaredNorm: '' }), 'VFL_MALFORMED');
    expect(Number.isFinite(runHeteroLrStep(p))).toBe(true);
  });
});
