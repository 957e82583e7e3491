// The two baselines of a hetero LR run: all features in one place, and the label holder alone.
import { VerticalError } from '../VerticalError.ts';
import { stepsPerEpoch } from './config.ts';
import { binaryAccuracy, lrProbabilities, PlainTaylorLr } from './taylor.ts';
import type { VerticalLrData } from './taylor.ts';
import type { SimulatedPartyTable } from '@flotilla/data';

/** Test accuracy per epoch of both baselines. */
export interface HeteroLrBaselineEpoch {
  epoch: number;
  /** Both parties' features on the shared rows, trained in plaintext: what hetero LR should reach. */
  centralised: number;
  /** The guest's features only, on the same rows: what collaboration is compared with. */
  labelHolderAlone: number;
}

/**
 * Trains both baselines with the same schedule as the encrypted run (Taylor loss, SGD, same batch
 * size, step size and epochs) on the rows both tables share. Only where one process may hold
 * both tables: a simulation, or a party checking its own data.
 * @example const curve = heteroLrBaselines(guest, host, { epochs: 2, learningRate: 1 });
 */
export function heteroLrBaselines(
  guest: SimulatedPartyTable,
  host: SimulatedPartyTable,
  settings: { epochs: number; batchSize?: number; learningRate?: number; l2?: number },
): HeteroLrBaselineEpoch[] {
  if (!guest.labels || !guest.testLabels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest table needs labels and test labels');
  const hostRow = new Map(host.ids.map((id, i) => [id, i]));
  const shared = guest.ids.map((id, i) => [i, hostRow.get(id)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined);
  if (shared.length === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'the tables share no rows');
  const dg = guest.featureCount;
  const dh = host.featureCount;
  const data: VerticalLrData = {
    guestFeatures: new Float32Array(shared.length * dg),
    guestFeatureCount: dg,
    hostFeatures: new Float32Array(shared.length * dh),
    hostFeatureCount: dh,
    labels: new Uint8Array(shared.length),
  };
  shared.forEach(([g, h], k) => {
    data.guestFeatures.set(guest.features.subarray(g * dg, (g + 1) * dg), k * dg);
    data.hostFeatures.set(host.features.subarray(h * dh, (h + 1) * dh), k * dh);
    data.labels[k] = guest.labels![g]!;
  });
  const alone: VerticalLrData = { ...data, hostFeatures: new Float32Array(0), hostFeatureCount: 0 };
  const config = {
    rows: shared.length,
    ...(settings.batchSize === undefined ? {} : { batchSize: settings.batchSize }),
    ...(settings.learningRate === undefined ? {} : { learningRate: settings.learningRate }),
    ...(settings.l2 === undefined ? {} : { l2: settings.l2 }),
  };
  const central = new PlainTaylorLr(data, config);
  const guestOnly = new PlainTaylorLr(alone, config);
  const perEpoch = stepsPerEpoch(central.config);
  const test = { guestFeatures: guest.testFeatures, guestFeatureCount: dg, hostFeatures: host.testFeatures, hostFeatureCount: dh };
  const testAlone = { ...test, hostFeatures: new Float32Array(0), hostFeatureCount: 0 };
  const out: HeteroLrBaselineEpoch[] = [];
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    for (let s = 0; s < perEpoch; s++) {
      central.step();
      guestOnly.step();
    }
    out.push({
      epoch,
      centralised: binaryAccuracy(lrProbabilities(test, central.guestWeights, central.hostWeights), guest.testLabels),
      labelHolderAlone: binaryAccuracy(lrProbabilities(testAlone, guestOnly.guestWeights, guestOnly.hostWeights), guest.testLabels),
    });
  }
  return out;
}
