// The two baselines of a split NN run: all features in one network, and the label holder alone.
import type { SimulatedPartyTable } from '@flotilla/data';
import { VerticalError } from '../VerticalError.ts';
import type { HeteroLrBaselineEpoch } from '../heteroLr/baselines.ts';
import { PlainSplitNn } from './PlainSplitNn.ts';
import type { SplitNnConfig } from './model.ts';

/** Test accuracy per epoch of both baselines (the same shape as hetero LR's). */
export type SplitNnBaselineEpoch = HeteroLrBaselineEpoch;

/**
 * Trains both baselines with the split NN's layers, seeds, batch size, step size and epochs on the
 * rows both tables share, in plaintext. It yields to the event loop after every step so that a
 * coordinator computing it keeps serving. Only where one process may hold both tables: a simulation.
 * @example const curve = await splitNnBaselines(guest, host, { epochs: 1, batchSize: 32 });
 */
export async function splitNnBaselines(
  guest: SimulatedPartyTable,
  host: SimulatedPartyTable,
  settings: { epochs: number; batchSize?: number; learningRate?: number },
): Promise<SplitNnBaselineEpoch[]> {
  const testLabels = guest.testLabels;
  if (!guest.labels || !testLabels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest table needs labels and test labels');
  const hostRow = new Map(host.ids.map((id, i) => [id, i]));
  const shared = guest.ids.map((id, i) => [i, hostRow.get(id)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
  if (shared.length === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'the tables share no rows');
  const dg = guest.featureCount;
  const dh = host.featureCount;
  const guestFeatures = new Float32Array(shared.length * dg);
  const hostFeatures = new Float32Array(shared.length * dh);
  const labels = new Uint8Array(shared.length);
  shared.forEach(([g, h], k) => {
    guestFeatures.set(guest.features.subarray(g * dg, (g + 1) * dg), k * dg);
    hostFeatures.set(host.features.subarray(h * dh, (h + 1) * dh), k * dh);
    labels[k] = guest.labels![g]!;
  });
  const config: SplitNnConfig = {
    rows: shared.length, guestFeatures: dg, hostFeatures: dh,
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
  };
  const central = new PlainSplitNn(config, guestFeatures, labels, hostFeatures);
  const alone = new PlainSplitNn(config, guestFeatures, labels);
  const perEpoch = Math.ceil(shared.length / central.config.batchSize);
  const out: SplitNnBaselineEpoch[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let s = 0; s < perEpoch; s++) {
      central.step();
      alone.step();
      await new Promise((r) => setTimeout(r, 0));
    }
    out.push({
      epoch,
      centralised: central.accuracy(guest.testFeatures, testLabels, host.testFeatures),
      labelHolderAlone: alone.accuracy(guest.testFeatures, testLabels),
    });
  }
  return out;
}
