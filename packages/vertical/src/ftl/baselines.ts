// What a simulated FTL job is measured against: plaintext FTL, the pooled-data model, the guest alone, the guest's label prior.
import { resolveFtlConfig } from './config.ts';
import type { FtlConfig } from './config.ts';
import { PlainFtl, scoreAccuracy } from './PlainFtl.ts';
import type { FtlData } from './PlainFtl.ts';
import { RepresentationNet } from './representation.ts';
import type { FtlSimulationTables } from './simulation.ts';
import { standardizedTable } from './standardize.ts';

/** Baselines of one epoch; accuracies in [0, 1]. */
export interface FtlBaselineEpoch {
  epoch: number;
  /** Upper bound: the same network on all 49 pooled pixels of every training row with labels, scored on the host-only rows. */
  centralised: number;
  /** The guest alone on its own features: trained on its rows, scored on MNIST test images' guest columns (it has no features of the host's rows). */
  labelHolderAlone: number;
  /** Plaintext FTL (same networks, batches and objective, no encryption), scored on the host-only rows. */
  plaintextFtl: number;
  /** What the guest can say about the host-only rows without the host: its majority label for every row. */
  guestPrior: number;
}

/** Every party's table standardised by its own rows (as the parties do), the pooled one by all rows. @example ftlDataOf(standardizedTables(await simulateFtlMnist())) */
export function standardizedTables(tables: FtlSimulationTables): FtlSimulationTables {
  const { pooled } = tables;
  const all = standardizedTable({ ids: [], features: pooled.features, featureCount: 49, testFeatures: pooled.hostOnlyFeatures });
  return {
    guest: standardizedTable(tables.guest),
    host: standardizedTable(tables.host),
    pooled: { features: all.features, labels: pooled.labels, hostOnlyFeatures: all.testFeatures! },
  };
}

/** The FTL inputs of a simulation: overlap rows in the host's order. @example new PlainFtl(ftlDataOf(tables)) */
export function ftlDataOf(tables: Pick<FtlSimulationTables, 'guest' | 'host'>): FtlData {
  const { guest, host } = tables;
  const guestRow = new Map(guest.ids.map((id, i) => [id, i]));
  const overlap = host.ids.flatMap((id, r) => (guestRow.has(id) ? [[r, guestRow.get(id)!] as const] : []));
  const d = host.featureCount;
  const hostOverlap = new Float32Array(overlap.length * d);
  overlap.forEach(([r], i) => hostOverlap.set(host.features.subarray(r * d, (r + 1) * d), i * d));
  return {
    guestFeatures: guest.features, guestFeatureCount: guest.featureCount, labels: guest.labels!,
    hostOverlap, hostFeatureCount: d, overlapRows: overlap.map(([, g]) => g),
  };
}

/**
 * A dense classifier with FTL's network shape (one tanh output read as the logit 4u), trained by
 * SGD on the logistic loss: the pooled and guest-alone baselines.
 */
class DenseClassifier {
  private readonly net: RepresentationNet;

  constructor(readonly inputs: number, private readonly config: Required<FtlConfig>) {
    this.net = new RepresentationNet(inputs, config.hidden, 1, config.seed * 2 + 3);
  }

  epoch(features: Float32Array, labels: Uint8Array): void {
    const { batchSize, learningRate } = this.config;
    for (let from = 0; from < labels.length; from += batchSize) {
      const to = Math.min(labels.length, from + batchSize);
      const pass = this.net.forward(features.subarray(from * this.inputs, to * this.inputs), to - from);
      const g = Float64Array.from(pass.output, (u, i) => (4 * (1 / (1 + Math.exp(-4 * u)) - labels[from + i]!)) / (to - from));
      this.net.backward(pass, g, learningRate);
    }
  }

  accuracy(features: Float32Array, labels: Uint8Array): number {
    return scoreAccuracy(this.net.forward(features, labels.length).output, labels);
  }
}

/**
 * The baselines of every epoch of a simulated FTL job (deterministic for the same tables and config).
 * @example const rows = ftlBaselines(await simulateFtlMnist(sim), { epochs: 5 }, 5);
 */
export function ftlBaselines(simulated: FtlSimulationTables, config: FtlConfig, epochs: number): FtlBaselineEpoch[] {
  const resolved = resolveFtlConfig(config);
  const tables = standardizedTables(simulated);
  const { guest, host, pooled } = tables;
  const plain = new PlainFtl(ftlDataOf(tables), resolved);
  const centralised = new DenseClassifier(49, resolved);
  const alone = new DenseClassifier(guest.featureCount, resolved);
  const ones = guest.labels.reduce((s, y) => s + y, 0);
  const majority = ones * 2 >= guest.labels.length ? 1 : 0;
  const guestPrior = host.testLabels.reduce((s, y) => s + (y === majority ? 1 : 0), 0) / Math.max(1, host.testLabels.length);
  const out: FtlBaselineEpoch[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let s = 0; s < plain.stepsPerEpoch; s++) plain.step();
    centralised.epoch(pooled.features, pooled.labels);
    alone.epoch(guest.features, guest.labels);
    out.push({
      epoch,
      centralised: centralised.accuracy(pooled.hostOnlyFeatures, host.testLabels),
      labelHolderAlone: alone.accuracy(guest.testFeatures, guest.testLabels),
      plaintextFtl: scoreAccuracy(plain.scores(host.testFeatures), host.testLabels),
      guestPrior,
    });
  }
  return out;
}
