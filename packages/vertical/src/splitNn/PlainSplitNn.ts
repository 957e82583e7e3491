// The split network trained in one place without masks: the centralised and the label-holder-alone baselines.
import * as tf from '@tensorflow/tfjs';
import { VerticalError } from '../VerticalError.ts';
import { argmaxRows, bottomForward, crossEntropy, dense, hostLayerSeed, LAYER_SEEDS, resolveSplitNnConfig, rowsTensor, splitNnBatch } from './model.ts';
import type { Dense, ResolvedSplitNnConfig, SplitNnConfig } from './model.ts';

/**
 * The same layers, seeds, batches and optimiser as the split NN, with every feature in one
 * process and autodiff through everything: with `hostFeatures` (one array, or one per host) it is
 * the centralised model on all features; without, the label holder alone (no host branch at all). It is also the
 * plaintext side of bench/vertical.ts.
 * @example
 * const alone = new PlainSplitNn(config, guestFeatures, labels);
 * for (let s = 0; s < steps; s++) alone.step();
 */
export class PlainSplitNn {
  readonly config: ResolvedSplitNnConfig;
  private readonly guestBottom: Dense;
  /** One bottom model and one W_h per host; empty for the label holder alone. */
  private readonly hostBottoms: Dense[] = [];
  private readonly interactiveGuest: tf.Variable;
  private readonly interactiveHosts: tf.Variable[] = [];
  private readonly hostFeatures: readonly Float32Array[];
  private readonly interactiveBias: tf.Variable;
  private readonly top: Dense;
  private readonly optimizer: tf.Optimizer;
  private stepCount = 0;

  constructor(
    config: SplitNnConfig,
    private readonly guestFeatures: Float32Array,
    private readonly labels: Uint8Array,
    hostFeatures?: Float32Array | readonly Float32Array[],
  ) {
    this.config = resolveSplitNnConfig(config);
    const { guestFeatures: dg, hostFeatures: dh, embeddingUnits: k, interactiveUnits: o, classes, seed } = this.config;
    this.hostFeatures = hostFeatures === undefined ? [] : hostFeatures instanceof Float32Array ? [hostFeatures] : hostFeatures;
    if (guestFeatures.length !== this.config.rows * dg || labels.length !== this.config.rows) throw new VerticalError('VFL_BAD_PARAMETER', 'guest data must cover the rows');
    if (this.hostFeatures.length > 0 && this.hostFeatures.length !== dh.length) throw new VerticalError('VFL_BAD_PARAMETER', `expected features of ${dh.length} hosts`);
    if (this.hostFeatures.some((x, h) => x.length !== this.config.rows * dh[h]!)) throw new VerticalError('VFL_BAD_PARAMETER', 'host data must cover the rows');
    this.guestBottom = dense(dg, k, seed * 8 + LAYER_SEEDS.guestBottom);
    this.interactiveGuest = dense(k, o, seed * 8 + LAYER_SEEDS.interactiveGuest).kernel;
    this.interactiveBias = tf.variable(tf.zeros([o]));
    this.top = dense(o, classes, seed * 8 + LAYER_SEEDS.top);
    this.hostFeatures.forEach((_, h) => {
      this.hostBottoms.push(dense(dh[h]!, k, hostLayerSeed(seed, 'hostBottom', h)));
      this.interactiveHosts.push(dense(k, o, hostLayerSeed(seed, 'interactiveHost', h)).kernel);
    });
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** One Adam step on the next batch; returns its mean loss. */
  step(): number {
    const { start, end } = splitNnBatch(this.stepCount++, this.config);
    const labels = this.labels.subarray(start, end);
    return tf.tidy(() => {
      const loss = this.optimizer.minimize(
        () => crossEntropy(this.logits(this.guestFeatures, this.hostFeatures, start, end), labels, this.config.classes),
        true,
      )!;
      return loss.dataSync()[0]!;
    });
  }

  /** Accuracy on rows of the same layout (host features, one array per host, required iff the model has host branches). */
  accuracy(guestFeatures: Float32Array, labels: Uint8Array, hostFeatures?: Float32Array | readonly Float32Array[]): number {
    const predicted = tf.tidy(() => argmaxRows(this.logits(guestFeatures, hostFeatures, 0, labels.length)));
    return predicted.reduce((acc, p, i) => acc + (p === labels[i] ? 1 : 0), 0) / labels.length;
  }

  private logits(guest: Float32Array, host: Float32Array | readonly Float32Array[] | undefined, start: number, end: number): tf.Tensor2D {
    let z = tf.matMul(bottomForward(this.guestBottom, rowsTensor(guest, start, end, this.config.guestFeatures)), this.interactiveGuest);
    if (this.hostBottoms.length > 0) {
      const hosts = host === undefined ? [] : host instanceof Float32Array ? [host] : host;
      if (hosts.length !== this.hostBottoms.length) throw new VerticalError('VFL_BAD_PARAMETER', 'this model needs every host’s features');
      this.hostBottoms.forEach((bottom, h) => {
        z = tf.add(z, tf.matMul(bottomForward(bottom, rowsTensor(hosts[h]!, start, end, this.config.hostFeatures[h]!)), this.interactiveHosts[h]!));
      });
    }
    const h = tf.relu(tf.add(z, this.interactiveBias));
    return tf.add(tf.matMul(h, this.top.kernel), this.top.bias) as tf.Tensor2D;
  }
}
