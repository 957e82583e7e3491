// The split NN's plaintext baselines pair the parties' rows by ID and train the host branch only in the centralised model.
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateVerticalMnist } from '@flotilla/data';
import type { SimulatedPartyTable } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { splitNnBaselines } from './baselines.ts';

const SETTINGS = { epochs: 1, batchSize: 32, learningRate: 0.01 };

/** The same table with its rows in reverse order. */
function reversed(t: SimulatedPartyTable): SimulatedPartyTable {
  const d = t.featureCount;
  const n = t.ids.length;
  const features = new Float32Array(t.features.length);
  for (let i = 0; i < n; i++) features.set(t.features.subarray((n - 1 - i) * d, (n - i) * d), i * d);
  return { ...t, ids: [...t.ids].reverse(), features };
}

describe('split NN baselines', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('learns the ten digits on the shared rows, whatever order the host keeps its rows in', async () => {
    const { guest, host } = await simulateVerticalMnist({ rows: 300, overlap: 0.8, seed: 2, testRows: 100, task: 'digits' });
    const curve = await splitNnBaselines(guest, host, SETTINGS);
    expect(curve).toHaveLength(1);
    // One epoch on ~240 rows: far above the 0.1 of chance for both.
    for (const a of [curve[0]!.centralised, curve[0]!.labelHolderAlone]) expect(a).toBeGreaterThan(0.3);
    expect(await splitNnBaselines(guest, reversed(host), SETTINGS)).toEqual(curve);

    // Blank host test images change the centralised model's predictions only.
    const blind = await splitNnBaselines(guest, { ...host, testFeatures: new Float32Array(host.testFeatures.length) }, SETTINGS);
    expect(blind[0]!.labelHolderAlone).toBe(curve[0]!.labelHolderAlone);
    expect(blind[0]!.centralised).not.toBe(curve[0]!.centralised);
  });

  it('refuses tables that share no rows', async () => {
    const { guest, host } = await simulateVerticalMnist({ rows: 40, testRows: 10, task: 'digits' });
    await expect(splitNnBaselines(guest, { ...host, ids: host.ids.map((id) => `other-${id}`) }, SETTINGS)).rejects.toMatchObject({ code: 'VFL_BAD_PARAMETER' });
  });
});
