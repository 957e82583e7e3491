// The two baselines of a split NN run: all features in one network, and the label holder alone.
import type { SimulatedPartyTable } from '@flotilla/data';
import { sharedRows } from '../sharedRows.ts';
import type { HeteroLrBaselineEpoch } from '../heteroLr/baselines.ts';
import { PlainSplitNn } from './PlainSplitNn.ts';
import type { SplitNnConfig } from './model.ts';

/** Test accuracy per epoch of both baselines (the same shape as hetero LR's). */
export type SplitNnBaselineEpoch = HeteroLrBaselineEpoch;

/**
 * Trains both baselines with the split NN's layers, seeds, batch size, step size and epochs on the
 * rows every table shares (one host table or several), in plaintext. It yields to the event loop after every step so that a
 * coordinator computing it keeps serving. Only where one process may hold both tables: a simulation.
 * @example const curve = await splitNnBaselines(guest, host, { epochs: 1, batchSize: 32 });
 */
export async function splitNnBaselines(
  guest: SimulatedPartyTable,
  host: SimulatedPartyTable | readonly SimulatedPartyTable[],
  settings: { epochs: number; batchSize?: number; learningRate?: number },
): Promise<SplitNnBaselineEpoch[]> {
  const hosts = Array.isArray(host) ? host : [host as SimulatedPartyTable];
  const { rows, guestFeatures, labels, hostFeatures } = sharedRows(guest, hosts);
  const testLabels = guest.testLabels!;
  const config: SplitNnConfig = {
    rows, guestFeatures: guest.featureCount, hostFeatures: hosts.map((h) => h.featureCount),
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
  };
  const central = new PlainSplitNn(config, guestFeatures, labels, hostFeatures);
  const alone = new PlainSplitNn(config, guestFeatures, labels);
  const perEpoch = Math.ceil(rows / central.config.batchSize);
  const out: SplitNnBaselineEpoch[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let s = 0; s < perEpoch; s++) {
      central.step();
      alone.step();
      await new Promise((r) => setTimeout(r, 0));
    }
    out.push({
      epoch,
      centralised: central.accuracy(guest.testFeatures, testLabels, hosts.map((h) => h.testFeatures)),
      labelHolderAlone: alone.accuracy(guest.testFeatures, testLabels),
    });
  }
  return out;
}
