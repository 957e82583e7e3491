// The FTL simulation: mostly disjoint people, the host's test rows are exactly its rows outside the overlap; the baselines measure what they say.
import { describe, expect, it } from 'vitest';
import { ftlBaselines, ftlDataOf } from './baselines.ts';
import { simulateFtlMnist } from './simulation.ts';

describe('FTL simulation and baselines', () => {
  it('gives each party its own people with a small overlap, and scores the host-only rows', async () => {
    const tables = await simulateFtlMnist({ rows: 400, overlap: 0.1, seed: 4, testRows: 100 });
    const guestIds = new Set(tables.guest.ids);
    const shared = tables.host.ids.filter((id) => guestIds.has(id)).length;
    expect(shared / 400).toBeGreaterThan(0.05);
    expect(shared / 400).toBeLessThan(0.2);
    expect(tables.host.testLabels.length).toBe(tables.host.ids.length - shared);
    expect(tables.host.testFeatures.length).toBe(tables.host.testLabels.length * tables.host.featureCount);
    expect(tables.host.labels).toBeUndefined();
    expect(ftlDataOf(tables).overlapRows).toHaveLength(shared);
    const [first] = ftlBaselines(tables, { dim: 4, batchSize: 32 }, 1);
    for (const a of [first!.centralised, first!.labelHolderAlone, first!.plaintextFtl, first!.guestPrior]) expect(a).toBeGreaterThanOrEqual(0);
    // The guest's prior is its majority label on the host's rows: the share of that label there.
    const ones = tables.host.testLabels.reduce((s, y) => s + y, 0) / tables.host.testLabels.length;
    expect(Math.min(Math.abs(first!.guestPrior - ones), Math.abs(first!.guestPrior - (1 - ones)))).toBeLessThan(1e-12);
  });
});
