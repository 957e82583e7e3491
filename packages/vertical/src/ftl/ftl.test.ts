// FTL checks: encrypted gradients, loss and scores against plaintext FTL; learning on a synthetic two-view task; bad messages refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from '@flotilla/privacy';
import type { PaillierKeyPair } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { PlainFtl, scoreAccuracy } from './PlainFtl.ts';
import { createFtl, predictFtl, runFtlStep } from './runFtl.ts';
import { syntheticFtl } from './testData.ts';

// Fixed point at 2^-24 per encrypted value and 2^-48 per product: gradients agree far below this.
const TOLERANCE = 1e-6;
const config = { dim: 4, hidden: 8, batchSize: 16, learningRate: 0.5, gamma: 0.05, seed: 3 };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof VerticalError) return e.code;
    throw e;
  }
  return undefined;
};

describe('hetero FTL', () => {
  let keys: { guest: PaillierKeyPair; host: PaillierKeyPair };
  const { data, hostOnly } = syntheticFtl(120, 24, 60, 5);

  beforeAll(async () => {
    keys = {
      guest: await generatePaillierKeyPair({ bits: 512, insecureForTesting: true }),
      host: await generatePaillierKeyPair({ bits: 512, insecureForTesting: true }),
    };
  });

  // d = 8 needs two packed ciphertexts per vector at 512 bits (6 slots of 80 bits): both paths.
  it.each([4, 8])('computes the plaintext gradients, loss and predictions through Paillier with masks (d = %i)', async (dim) => {
    const parties = await createFtl(data, { ...config, dim }, 512, 1, keys);
    const plain = new PlainFtl(data, { ...config, dim });
    for (let s = 0; s < 3; s++) {
      const expected = plain.gradients();
      const { loss, hostGradient } = await runFtlStep(parties);
      expect(Math.abs(loss - expected.loss)).toBeLessThan(TOLERANCE);
      expect(maxDiff(hostGradient, expected.host)).toBeLessThan(TOLERANCE);
      plain.step();
      // The guest's update came from its decrypted ∂L/∂Φ_A and alignment terms: same weights.
      expect(maxDiff(parties.guest.net.w1, plain.guestNet.w1)).toBeLessThan(TOLERANCE);
      expect(maxDiff(parties.host.net.w2, plain.hostNet.w2)).toBeLessThan(TOLERANCE);
    }
    const scores = await predictFtl(parties, 'test-1', hostOnly);
    expect(maxDiff(scores, plain.scores(hostOnly))).toBeLessThan(TOLERANCE);
  });

  it('plaintext FTL labels the host’s own rows above chance from the guest’s labels', () => {
    const task = syntheticFtl(200, 40, 100, 5);
    const plain = new PlainFtl(task.data, { ...config, batchSize: 40 });
    for (let s = 0; s < 30; s++) plain.step();
    // Chance is 0.5 and the guest alone has no features of these rows; FTL reaches about 0.77.
    expect(scoreAccuracy(plain.scores(task.hostOnly), task.hostOnlyLabels)).toBeGreaterThan(0.7);
  });

  it('refuses bad messages with VFL codes and leaves the model untouched', async () => {
    const parties = await createFtl(data, config, 512, 1, keys);
    const { guest, host } = parties;
    const before = Float64Array.from(host.net.w1);
    const fromGuest = JSON.parse(JSON.stringify(guest.components())) as Record<string, unknown>;
    const fromHost = JSON.parse(JSON.stringify(host.components())) as Record<string, unknown>;
    expect(codeOf(() => host.maskedGradient({ ...fromGuest, step: 7 }))).toBe('VFL_OUT_OF_ORDER');
    expect(codeOf(() => host.maskedGradient({ ...fromGuest, rowTerms: (fromGuest.rowTerms as string[]).slice(1) }))).toBe('VFL_MALFORMED');
    const zero = '0'.repeat((fromGuest.quadratic as string[])[0]!.length);
    expect(codeOf(() => host.maskedGradient({ ...fromGuest, quadratic: (fromGuest.quadratic as string[]).map(() => zero) }))).toBe('VFL_BAD_CIPHERTEXT');
    expect(codeOf(() => guest.maskedGradient({ ...fromHost, uB: 'nope' }))).toBe('VFL_MALFORMED');
    expect(codeOf(() => host.finish({ type: 'ftl.decrypted-gradient', step: 0, values: [] }))).toBe('VFL_OUT_OF_ORDER');
    const hostMasked = host.maskedGradient(fromGuest);
    const decrypted = await guest.decryptForHost(JSON.parse(JSON.stringify(hostMasked)) as Record<string, unknown>);
    expect(codeOf(() => host.finish({ ...decrypted, values: decrypted.values.map(() => 'f'.repeat(300)) }))).toBe('VFL_MALFORMED');
    expect(codeOf(() => host.receiveSetup(JSON.parse(JSON.stringify(guest.setup(1))) as Record<string, unknown>))).toBe('VFL_OUT_OF_ORDER');
    expect(codeOf(() => host.scores({ type: 'ftl.decrypted-scores', session: 'never', values: [] }))).toBe('VFL_OUT_OF_ORDER');
    expect(Array.from(host.net.w1)).toEqual(Array.from(before));
    // A well-formed reply still completes the step after the refusals.
    host.finish(decrypted as unknown as Record<string, unknown>);
    expect(host.step).toBe(1);
  });
});
