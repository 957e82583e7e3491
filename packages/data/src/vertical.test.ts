import { describe, expect, it } from 'vitest';
import { loadMnist } from './mnist.ts';
import { binarizeDigits, mnistColumnBands, poolMnist, selectRows, splitVertically } from './vertical.ts';

describe('mnistColumnBands', () => {
  it('cuts the 28 columns into disjoint bands that cover every pixel', () => {
    for (const parties of [2, 3]) {
      const bands = mnistColumnBands(parties);
      const all = bands.flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 784 }, (_, i) => i));
      for (const band of bands) expect(new Set(band.map((px) => px % 28)).size).toBe(band.length / 28);
    }
    expect(mnistColumnBands(2)[0]!.every((px) => px % 28 < 14)).toBe(true);
    expect(mnistColumnBands(3).map((b) => b.length / 28)).toEqual([9, 10, 9]);
    expect(mnistColumnBands(2, 2).flat().length).toBe(196);
  });

  it('rejects a party count that leaves a band empty', () => {
    expect(() => mnistColumnBands(1)).toThrow(/parties/);
    expect(() => mnistColumnBands(8, 4)).toThrow(/parties/);
  });
});

describe('splitVertically on MNIST', async () => {
  const test = await loadMnist('test', { limit: 2000 });

  it('gives each party its own columns, labels only at the label holder, partly overlapping IDs', () => {
    const parties = splitVertically(test, mnistColumnBands(3), { overlap: 0.6, seed: 7 });
    expect(parties.map((p) => p.featureCount)).toEqual([252, 280, 252]);
    expect(parties[0]!.labels).toBeDefined();
    expect(parties[1]!.labels).toBeUndefined();
    expect(parties[2]!.labels).toBeUndefined();
    const sets = parties.map((p) => new Set(p.ids));
    const shared = parties[0]!.ids.filter((id) => sets[1]!.has(id) && sets[2]!.has(id));
    // 60% shared by all, the remaining 40% spread over the three parties: ~1200 and ~267 each.
    expect(shared.length).toBeGreaterThan(1100);
    expect(shared.length).toBeLessThan(1300);
    for (const p of parties) expect(p.ids.length - shared.length).toBeGreaterThan(200);
    const union = new Set(parties.flatMap((p) => p.ids));
    expect(union.size).toBe(2000);
  });

  it('keeps the pixels and label of the same example under the same ID, rows in a per-party order', () => {
    const bands = mnistColumnBands(2);
    const [guest, host] = splitVertically(test, bands, { overlap: 0.8, seed: 2 });
    expect(guest!.ids.slice(0, 20)).not.toEqual(host!.ids.slice(0, 20));
    for (const party of [guest!, host!]) {
      for (const row of [0, 5, 99]) {
        const source = Number(party.ids[row]!.slice('mnist-'.length));
        const expected = party.pixels.map((px) => test.images[source * 784 + px]!);
        expect(Array.from(party.features.subarray(row * party.featureCount, (row + 1) * party.featureCount))).toEqual(expected);
        if (party.labels) expect(party.labels[row]).toBe(test.labels[source]);
      }
    }
  });

  it('is reproducible from its seed and differs across seeds', () => {
    const a = splitVertically(test, mnistColumnBands(2), { seed: 5 });
    const b = splitVertically(test, mnistColumnBands(2), { seed: 5 });
    const c = splitVertically(test, mnistColumnBands(2), { seed: 6 });
    expect(b[1]!.ids).toEqual(a[1]!.ids);
    expect(c[1]!.ids).not.toEqual(a[1]!.ids);
  });

  it('selects rows in an aligned order and refuses an ID the party lacks', () => {
    const [guest, host] = splitVertically(test, mnistColumnBands(2), { overlap: 0.5, seed: 4 });
    const hostIds = new Set(host!.ids);
    const common = guest!.ids.filter((id) => hostIds.has(id)).sort();
    const g = selectRows(guest!, common);
    const h = selectRows(host!, common);
    expect(g.labels!.length).toBe(common.length);
    expect(h.labels).toBeUndefined();
    const source = Number(common[3]!.slice(6));
    expect(g.labels![3]).toBe(test.labels[source]);
    expect(h.features[3 * 392]).toBe(test.images[source * 784 + 14]);
    const missing = guest!.ids.find((id) => !hostIds.has(id))!;
    expect(() => selectRows(host!, [missing])).toThrow(/not held/);
  });
});

describe('binary task and pooling', () => {
  it('labels digits ≥ 5 as 1 and pools 2×2 blocks to their mean', () => {
    expect(Array.from(binarizeDigits(Uint8Array.from([0, 4, 5, 9, 3, 8])))).toEqual([0, 0, 1, 1, 0, 1]);
    const image = new Float32Array(784);
    image[0] = 1;
    image[29] = 0.5;
    image[783] = 0.8;
    const pooled = poolMnist(image, 1, 2);
    expect(pooled.length).toBe(196);
    expect(pooled[0]).toBeCloseTo(0.375, 6);
    expect(pooled[195]).toBeCloseTo(0.2, 6);
    expect(pooled.slice(1, 195).every((v) => v === 0)).toBe(true);
  });
});
