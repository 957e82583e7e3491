// Own-data jobs hold out the last aligned rows: both parties must cut at the same person.
import { describe, expect, it } from 'vitest';
import { runTwoPartyPsi } from '../psi/alignment.ts';
import { alignedRows } from './heteroLrParty.ts';
import { trainAndValidation } from './validation.ts';
import type { VerticalPartyTable } from '@flotilla/data';

/** A table whose feature of person `p-k` is k, so rows can be traced back to people. */
function table(people: number[], labels: boolean): VerticalPartyTable {
  const t: VerticalPartyTable = { ids: people.map((k) => `p-${k}`), features: Float32Array.from(people), featureCount: 1 };
  if (labels) t.labels = Uint8Array.from(people, (k) => k % 2);
  return t;
}

describe('trainAndValidation', () => {
  it('gives guest and host the same people as validation: the last ceil(f·n) aligned rows', async () => {
    const guest = table([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], true);
    const host = table([13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 20, 21], false);
    const psi = await runTwoPartyPsi(guest.ids, host.ids);
    const g = trainAndValidation(guest, alignedRows(guest, psi.first), 0.2);
    const h = trainAndValidation(host, alignedRows(host, psi.second), 0.2);
    // 11 shared people: ceil(2.2) = 3 held out, 8 train.
    expect([g.train.rows, g.validation.rows, h.train.rows, h.validation.rows]).toEqual([8, 3, 8, 3]);
    expect([...h.validation.features]).toEqual([...g.validation.features]);
    expect([...h.train.features]).toEqual([...g.train.features]);
    expect([...g.validation.labels!]).toEqual([...g.validation.features].map((k) => k % 2));
    expect(h.validation.labels).toBeUndefined();
    expect(new Set([...g.train.features, ...g.validation.features]).size).toBe(11);
  });

  it('keeps a simulation’s explicit test rows and trains on every aligned row', () => {
    const guest = { ...table([1, 2, 3], true), testFeatures: Float32Array.of(7, 8), testLabels: Uint8Array.of(1, 0) };
    const split = trainAndValidation(guest, { features: guest.features, labels: guest.labels! }, undefined);
    expect(split.train.rows).toBe(3);
    expect(split.validation).toEqual({ rows: 2, features: guest.testFeatures, labels: guest.testLabels });
  });

  it('refuses an own table in a simulation job, a bad fraction and too few aligned rows', () => {
    const own = table([1, 2, 3], true);
    expect(() => trainAndValidation(own, own, undefined)).toThrow(/test rows/);
    expect(() => trainAndValidation(own, own, 0.7)).toThrow(/validationFraction/);
    const one = table([1], true);
    expect(() => trainAndValidation(one, one, 0.2)).toThrow(/only 1 aligned row/);
  });
});
