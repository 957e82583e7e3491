// What a PSI party receives: blinded points in shuffled order, useless without the peer's secret.
import { describe, expect, it } from 'vitest';
import { PsiParty } from './PsiParty.ts';
import { blindIds, hashIdToPoint, POINT_BYTES, randomScalar, reblindPoints } from './ristrettoBlinding.ts';
import { recordKeys, toHex } from './bytes.ts';

const ids = (prefix: string, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);

const hexOf = (points: Uint8Array): string[] => recordKeys(points, POINT_BYTES);

describe('what a PSI party receives', () => {
  const bobIds = ids('customer', 0, 40);

  it('is H(y)^b for the peer IDs, shuffled, carrying no raw ID bytes', async () => {
    const b = randomScalar();
    const message = await new PsiParty(bobIds, { secret: b }).blind();
    const received = hexOf(message.points);
    const inInputOrder = hexOf(blindIds(bobIds, b));
    expect(new Set(received)).toEqual(new Set(inInputOrder));
    expect(received).not.toEqual(inInputOrder); // fails with probability 1/40!
    const text = new TextDecoder('latin1').decode(message.points);
    for (const id of bobIds) expect(text.includes(id)).toBe(false);
    const hashes = new Set(bobIds.map((id) => toHex(hashIdToPoint(id))));
    expect(received.some((p) => hashes.has(p))).toBe(false);
  });

  it('changes every point when the same IDs are blinded under another secret', async () => {
    const first = hexOf((await new PsiParty(bobIds).blind()).points);
    const second = new Set(hexOf((await new PsiParty(bobIds).blind()).points));
    expect(first.filter((p) => second.has(p))).toEqual([]);
  });

  it('does not let a party confirm a guessed non-shared ID without the peer’s secret', async () => {
    // Alice holds secret a and guesses all of Bob's IDs; the shared ones are 0..9.
    const a = randomScalar();
    const b = randomScalar();
    const alice = new PsiParty(ids('customer', 0, 10), { secret: a });
    const bob = new PsiParty(bobIds, { secret: b });
    const fromBob = await bob.blind();
    const doubleBlinded = new Set(hexOf((await alice.reblind(fromBob)).points)); // what Alice holds: H(y)^{ba}
    const nonShared = bobIds.slice(10);
    // Everything Alice can compute from a guess g on her own: H(g), H(g)^a, and H(g)^{a·a}.
    const guessesOnce = hexOf(blindIds(nonShared, a));
    const guessesTwice = hexOf(reblindPoints(blindIds(nonShared, a), a));
    const plainHashes = nonShared.map((g) => toHex(hashIdToPoint(g)));
    const receivedFromBob = new Set(hexOf(fromBob.points));
    for (const guess of [...guessesOnce, ...guessesTwice, ...plainHashes]) {
      expect(doubleBlinded.has(guess)).toBe(false);
      expect(receivedFromBob.has(guess)).toBe(false);
    }
    // Control: with Bob's secret the very same guesses would match, so the secret is what protects them.
    const withBobsSecret = hexOf(reblindPoints(blindIds(nonShared, a), b));
    expect(withBobsSecret.every((p) => doubleBlinded.has(p))).toBe(true);
  });

  it('reveals only the intersection: each side learns its own shared IDs and the peer set size', async () => {
    const alice = new PsiParty(ids('customer', 30, 50));
    const bob = new PsiParty(bobIds);
    const [fromAlice, fromBob] = [await alice.blind(), await bob.blind()];
    expect(fromBob.count).toBe(40);
    const replyToAlice = await bob.reblind(fromAlice);
    await alice.reblind(fromBob);
    expect(alice.intersect(replyToAlice).ids.sort()).toEqual(ids('customer', 30, 40).sort());
  });
});
