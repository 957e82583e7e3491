import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignClasses } from '@flotilla/data';
import { describeTable, labelTaskOf, ownPartyData, simulatedPartyData } from './partyData.ts';
import { writeSimulatedCsv } from './writeSimulatedCsv.ts';

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

describe('--write-simulated-csv and --table', () => {
  it('writes the simulated tables as CSV that the guest and host load as their own', async () => {
    const files = await writeSimulatedCsv(mkdtempSync(path.join(os.tmpdir(), 'flotilla-csv-')), { rows: 200 });
    const simulated = await simulatedPartyData('guest', { rows: 200 });
    const guest = assignClasses(await ownPartyData(files.guest, 'guest'), labelTaskOf('hetero-lr'));
    const host = await ownPartyData(files.host, 'host');
    expect(guest.ids).toEqual(simulated.ids);
    expect([...guest.labels!]).toEqual([...simulated.labels!]);
    expect(describeTable(guest)).toBe(`${simulated.ids.length} rows, 28 feature columns, 2 classes (0, 1)`);
    expect(host.labels).toBeUndefined();
    expect(host.featureCount).toBe(21);
    await expect(ownPartyData(files.host, 'guest')).rejects.toMatchObject({ code: 'VFL_CSV_MISSING_COLUMN' });
  });
});
