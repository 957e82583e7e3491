// What split NN parties see: uniform openings only; the Beaver product is exact; bad messages refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '@flotilla/models';
import { VerticalError } from '../VerticalError.ts';
import { beaverTriple, leftShare, openLeft, openRight, rightShare } from './beaver.ts';
import { decodeRing, encodeRing, ringAdd, ringFromWire } from './ring.ts';
import type { RingMatrixWire } from './ring.ts';
import { createSplitNn, runSplitNnStep } from './runSplitNn.ts';

/** χ²(255) quantile at 1 − 1e-6 (SciPy: chi2.ppf(1 - 1e-6, 255)). */
const CHI2_255_CRITICAL = 377.08;

function topByteChiSquare(words: BigUint64Array[]): number {
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  for (const w of words) for (const x of w) (counts[Number(x >> 56n)]!++, total++);
  const expected = total / 256;
  return counts.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
}

const read = (w: RingMatrixWire): BigUint64Array => ringFromWire(w, w.rows, w.cols, 'test').data;

function smallRun(): ReturnType<typeof createSplitNn> {
  const rows = 128;
  const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random());
  const labels = Uint8Array.from({ length: rows }, (_, i) => i % 10);
  return createSplitNn({ rows, guestFeatures: 20, hostFeatures: 24, batchSize: 64 }, random(rows * 20), labels, random(rows * 24));
}

describe('Beaver matrix product', () => {
  it('gives shares summing exactly to the fixed-point product', () => {
    const x = Float32Array.from({ length: 6 * 4 }, () => Math.random() * 4 - 2);
    const y = Float32Array.from({ length: 4 * 3 }, () => Math.random() * 2 - 1);
    const [left, right] = beaverTriple(6, 4, 3);
    const ex = encodeRing(x, 6, 4);
    const ey = encodeRing(y, 4, 3);
    const product = decodeRing(ringAdd(leftShare(left, openRight(ey, right)), rightShare(ey, right, openLeft(ex, left))), 2);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 3; j++) {
        let expected = 0;
        for (let k = 0; k < 4; k++) expected += x[i * 4 + k]! * y[k * 3 + j]!;
        expect(Math.abs(product[i * 3 + j]! - expected)).toBeLessThan(4 * 2 * 2 ** -16 * 3);
      }
    }
  });
});

describe('what split NN parties receive', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('is uniform in Z_2^64 for every masked matrix (embeddings, W_h, δ); unmasked they are not', () => {
    const { guest, host, arbiter } = smallRun();
    const atGuest: BigUint64Array[] = [];
    const atHost: BigUint64Array[] = [];
    const plainEmbeddings: BigUint64Array[] = [];
    for (let step = 0; step < 2; step++) {
      const t = arbiter.trainTriples(step);
      host.receiveTriples(t.host);
      guest.receiveTriples(t.guest);
      const open = host.trainOpen();
      const guestOpen = guest.trainOpen();
      const share = host.trainShare(guestOpen);
      const { message } = guest.trainForward(open, share);
      atGuest.push(read(open.embedding), read(open.embeddingTransposed!), read(share.share));
      atHost.push(read(guestOpen.weight), read(message.delta));
      // What the guest would hold without the masks: a_h = E + A.
      plainEmbeddings.push(ringAdd(ringFromWire(open.embedding, 64, 32, 'e'), ringFromWire(t.host.forward.a, 64, 32, 'a')).data);
      guest.trainFinish(host.trainBackward(message));
    }
    expect(topByteChiSquare(atGuest)).toBeLessThan(CHI2_255_CRITICAL);
    expect(topByteChiSquare(atHost)).toBeLessThan(CHI2_255_CRITICAL);
    expect(topByteChiSquare(plainEmbeddings)).toBeGreaterThan(CHI2_255_CRITICAL * 10);
    expect(host.step).toBe(2);
    expect(guest.step).toBe(2);
  });

  it('refuses wrong sessions, shapes and values with coded errors and trains on afterwards', () => {
    const parties = smallRun();
    const { guest, host, arbiter } = parties;
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(VerticalError);
        return (e as VerticalError).code;
      }
      return 'none';
    };
    expect(code(() => host.trainOpen())).toBe('VFL_OUT_OF_ORDER');
    const t = arbiter.trainTriples(0);
    expect(code(() => host.receiveTriples({ ...t.host, forward: { ...t.host.forward, z: { ...t.host.forward.z, cols: 3 } } }))).toBe('VFL_MALFORMED');
    host.receiveTriples(t.host);
    guest.receiveTriples(t.guest);
    expect(code(() => host.receiveTriples(t.host))).toBe('VFL_OUT_OF_ORDER');
    const open = host.trainOpen();
    const guestOpen = guest.trainOpen();
    expect(code(() => host.trainShare({ ...guestOpen, session: 'train-5' }))).toBe('VFL_OUT_OF_ORDER');
    expect(code(() => host.trainShare({ ...guestOpen, weight: { ...guestOpen.weight, hex: 'xy'.repeat(guestOpen.weight.hex.length / 2) } }))).toBe('VFL_MALFORMED');
    const share = host.trainShare(guestOpen);
    expect(code(() => guest.trainForward({ ...open, embedding: { ...open.embedding, rows: 63 } }, share))).toBe('VFL_MALFORMED');
    const { message } = guest.trainForward(open, share);
    const bad = [...message.embeddingGradient];
    bad[0] = Number.NaN;
    expect(code(() => host.trainBackward({ ...message, embeddingGradient: bad }))).toBe('VFL_MALFORMED');
    expect(code(() => host.trainBackward({ ...message, embeddingGradient: bad.slice(1) }))).toBe('VFL_MALFORMED');
    expect(host.step).toBe(0);
    guest.trainFinish(host.trainBackward(message));
    expect(Number.isFinite(runSplitNnStep(parties).loss)).toBe(true);
    expect(host.step).toBe(2);
  });
});
