import { describe, expect, it } from 'vitest';
import { simulatedPartyData } from './partyData.ts';

describe('simulatedPartyData', () => {
  it('gives guest and host their own columns of the same people, partly overlapping, labels at the guest only', async () => {
    const options = { rows: 300, overlap: 0.7, seed: 9, testRows: 50 };
    const guest = await simulatedPartyData('guest', options);
    const host = await simulatedPartyData('host', options);
    expect([guest.featureCount, host.featureCount]).toEqual([28, 21]);
    expect(guest.labels!.length).toBe(guest.ids.length);
    expect(host.labels).toBeUndefined();
    expect(host.testLabels).toBeUndefined();
    expect(guest.testFeatures.length).toBe(50 * 28);
    expect(host.testFeatures.length).toBe(50 * 21);
    const hostIds = new Set(host.ids);
    const shared = guest.ids.filter((id) => hostIds.has(id)).length;
    expect(shared).toBeGreaterThan(180);
    expect(shared).toBeLessThan(Math.min(guest.ids.length, host.ids.length));
    expect([...guest.labels!].every((y) => y === 0 || y === 1)).toBe(true);
  });

  it('cuts three bands for a job with two hosts, and has no table for a third', async () => {
    const options = { rows: 100, seed: 9, testRows: 20, hosts: 2 };
    const tables = await Promise.all(['guest', 'host', 'host-2'].map((role) => simulatedPartyData(role, options)));
    expect(tables.map((t) => t.featureCount)).toEqual([14, 21, 14]);
    expect(tables.map((t) => t.labels === undefined)).toEqual([false, true, true]);
    await expect(simulatedPartyData('host-3', options)).rejects.toMatchObject({ code: 'VFL_BAD_PARAMETER' });
  });
});
