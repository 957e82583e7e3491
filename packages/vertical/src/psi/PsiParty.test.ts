// ECDH-PSI correctness: exact intersection, agreed order, multi-party alignment, message checks.
import { describe, expect, it } from 'vitest';
import { PsiParty } from './PsiParty.ts';
import type { PsiCompute } from './PsiParty.ts';
import { alignMultiParty, applyAlignment, runTwoPartyPsi } from './alignment.ts';
import { blindIds, POINT_BYTES, reblindPoints } from './ristrettoBlinding.ts';
import { randomPermutation } from './bytes.ts';
import { PsiError } from './errors.ts';

const ids = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    expect(e).toBeInstanceOf(PsiError);
    expect((e as PsiError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('two-party PSI', () => {
  it('finds exactly the shared IDs, in the same order at both parties', async () => {
    const a = [...ids('user', 0, 60), 'émile@例え.jp'];
    const b = [...ids('user', 35, 80), 'émile@例え.jp'];
    const { first, second } = await runTwoPartyPsi(a, b);
    const truth = a.filter((x) => b.includes(x));
    expect(new Set(first.ids)).toEqual(new Set(truth));
    expect(first.size).toBe(26);
    expect(second.ids).toEqual(first.ids);
    expect(second.keys).toEqual(first.keys);
    expect([...first.keys].sort()).toEqual(first.keys);
  });

  it('handles disjoint and empty sets', async () => {
    expect((await runTwoPartyPsi(ids('a', 0, 5), ids('b', 0, 5))).first.size).toBe(0);
    const { first, second } = await runTwoPartyPsi([], ids('b', 0, 3));
    expect([first.size, second.size]).toEqual([0, 0]);
  });

  it('gives the same answer when the point work runs in slices, as worker pools do', async () => {
    const sliced: PsiCompute = {
      blind: async (xs, secret, dst) => {
        const half = xs.length >> 1;
        const out = new Uint8Array(xs.length * POINT_BYTES);
        out.set(blindIds(xs.slice(0, half), secret, dst));
        out.set(blindIds(xs.slice(half), secret, dst), half * POINT_BYTES);
        return out;
      },
      reblind: async (points, secret) => reblindPoints(points, secret),
    };
    const { first, second } = await runTwoPartyPsi(ids('u', 0, 20), ids('u', 10, 30), { compute: sliced });
    expect(first.ids).toEqual(second.ids);
    expect(new Set(first.ids)).toEqual(new Set(ids('u', 10, 20)));
  });
});

describe('multi-party alignment', () => {
  it('aligns the label holder with each party on the rows all of them share', async () => {
    const labelHolder = ids('c', 0, 30);
    const shop = ids('c', 10, 40);
    const telco = [...ids('c', 0, 5), ...ids('c', 15, 35)];
    const aligned = await alignMultiParty(labelHolder, [shop, telco]);
    expect(new Set(aligned.labelHolder)).toEqual(new Set(ids('c', 15, 30)));
    expect(aligned.parties).toEqual([aligned.labelHolder, aligned.labelHolder]);
  });

  it('rejects an alignment naming rows outside the party’s intersection', async () => {
    const { second } = await runTwoPartyPsi(ids('x', 0, 4), ids('x', 2, 6));
    const forged = { type: 'psi.alignment' as const, count: 1, keys: new Uint8Array(POINT_BYTES).fill(7) };
    await expectCode(() => applyAlignment(second, forged), 'PSI_MALFORMED');
  });
});

describe('PSI message validation', () => {
  it('rejects malformed blinded sets with coded errors', async () => {
    const party = () => new PsiParty(ids('p', 0, 3));
    const good = await new PsiParty(ids('q', 0, 2)).blind();
    const identity = new Uint8Array(POINT_BYTES);
    const nonCanonical = new Uint8Array(POINT_BYTES).fill(0xff);
    const twice = new Uint8Array([...good.points.subarray(0, 32), ...good.points.subarray(0, 32)]);
    await expectCode(party().reblind({ ...good, count: 3 }), 'PSI_MALFORMED');
    await expectCode(party().reblind({ ...good, type: 'psi.reblinded' } as never), 'PSI_MALFORMED');
    await expectCode(party().reblind({ type: 'psi.blinded', count: 1, points: identity }), 'PSI_MALFORMED');
    await expectCode(party().reblind({ type: 'psi.blinded', count: 1, points: nonCanonical }), 'PSI_MALFORMED');
    await expectCode(party().reblind({ type: 'psi.blinded', count: 2, points: twice }), 'PSI_MALFORMED');
    await expectCode(new PsiParty([], { maxSetSize: 1 }).reblind(good), 'PSI_TOO_LARGE');
  });

  it('enforces the protocol order, reply sizes and unique IDs', async () => {
    await expectCode(() => new PsiParty(['a', 'a']), 'PSI_DUPLICATE_ID');
    const alice = new PsiParty(ids('a', 0, 3));
    const bob = new PsiParty(ids('a', 1, 4));
    const fromBob = await bob.blind();
    await expectCode(() => alice.intersect({ type: 'psi.reblinded', count: 0, points: new Uint8Array() }), 'PSI_OUT_OF_ORDER');
    const fromAlice = await alice.blind();
    await expectCode(alice.blind(), 'PSI_OUT_OF_ORDER');
    await alice.reblind(fromBob);
    const reply = await bob.reblind(fromAlice);
    await expectCode(() => alice.intersect({ ...reply, count: 2, points: reply.points.subarray(0, 64) }), 'PSI_MALFORMED');
    expect(alice.intersect(reply).size).toBe(2);
  });
});

describe('randomPermutation', () => {
  it('is a permutation and close to uniform over the 6 orders of 3 items', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = randomPermutation(3).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect([...randomPermutation(100)].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
