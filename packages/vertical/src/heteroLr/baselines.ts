// The two baselines of a hetero LR run: all features in one place, and the label holder alone.
import { stepsPerEpoch } from './config.ts';
import { binaryAccuracy, lrProbabilities, PlainTaylorLr } from './taylor.ts';
import type { VerticalLrData } from './taylor.ts';
import type { SimulatedPartyTable } from '@flotilla/data';
import { sharedRows } from '../sharedRows.ts';

/** Test accuracy per epoch of both baselines. */
export interface HeteroLrBaselineEpoch {
  epoch: number;
  /** Every party's features on the shared rows, trained in plaintext: what hetero LR should reach. */
  centralised: number;
  /** The guest's features only, on the same rows: what collaboration is compared with. */
  labelHolderAlone: number;
}

/**
 * Trains both baselines with the same schedule as the encrypted run (Taylor loss, SGD, same batch
 * size, step size and epochs) on the rows every table shares (one host table or several). Only
 * where one process may hold every table: a simulation, or a party checking its own data.
 * @example const curve = heteroLrBaselines(guest, host, { epochs: 2, learningRate: 1 });
 */
export function heteroLrBaselines(
  guest: SimulatedPartyTable,
  host: SimulatedPartyTable | readonly SimulatedPartyTable[],
  settings: { epochs: number; batchSize?: number; learningRate?: number; l2?: number },
): HeteroLrBaselineEpoch[] {
  const hosts = Array.isArray(host) ? host : [host as SimulatedPartyTable];
  const shared = sharedRows(guest, hosts);
  const dg = guest.featureCount;
  const columns = (features: readonly Float32Array[]) => ({
    hostFeatures: features[0]!,
    hostFeatureCount: hosts[0]!.featureCount,
    otherHosts: hosts.slice(1).map((h, p) => ({ features: features[p + 1]!, featureCount: h.featureCount })),
  });
  const data: VerticalLrData = { guestFeatures: shared.guestFeatures, guestFeatureCount: dg, labels: shared.labels, ...columns(shared.hostFeatures) };
  const alone: VerticalLrData = { ...data, hostFeatures: new Float32Array(0), hostFeatureCount: 0, otherHosts: [] };
  const config = {
    rows: shared.rows,
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
    ...(settings.l2 === undefined ? {} : { l2: settings.l2 }),
  };
  const central = new PlainTaylorLr(data, config);
  const guestOnly = new PlainTaylorLr(alone, config);
  const perEpoch = stepsPerEpoch(central.config);
  const test = { guestFeatures: guest.testFeatures, guestFeatureCount: dg, ...columns(hosts.map((h) => h.testFeatures)) };
  const testAlone = { ...test, hostFeatures: new Float32Array(0), hostFeatureCount: 0, otherHosts: [] };
  const out: HeteroLrBaselineEpoch[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let s = 0; s < perEpoch; s++) {
      central.step();
      guestOnly.step();
    }
    out.push({
      epoch,
      centralised: binaryAccuracy(lrProbabilities(test, central.guestWeights, central.allHostWeights), guest.testLabels!),
      labelHolderAlone: binaryAccuracy(lrProbabilities(testAlone, guestOnly.guestWeights, guestOnly.allHostWeights), guest.testLabels!),
    });
  }
  return out;
}
