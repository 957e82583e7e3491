// The guest of the split NN: labels, bottom model, interactive layer (holding W_h) and top model.
import * as tf from '@tensorflow/tfjs';
import { VerticalError } from '../VerticalError.ts';
import { openRight, rightShare } from './beaver.ts';
import type { RightTriple } from './beaver.ts';
import { expectSplitMessage, trainSession } from './messages.ts';
import type { SplitNnBackwardMessage, SplitNnGuestOpenMessage } from './messages.ts';
import { argmaxRows, bottomForward, crossEntropy, dense, LAYER_SEEDS, resolveSplitNnConfig, rowsTensor, splitNnBatch } from './model.ts';
import type { Dense, ResolvedSplitNnConfig, SplitNnConfig } from './model.ts';
import { decodeRing, encodeRing, ringAdd, ringFromWire, ringToWire } from './ring.ts';
import type { RingMatrix } from './ring.ts';

interface Session {
  forward: RightTriple;
  backward?: RightTriple;
  rows: number;
  /** W_h as encoded when opened: the forward pass must use the very same value. */
  weight?: RingMatrix;
}

interface Pending {
  grads: tf.NamedTensorMap;
  delta: RingMatrix;
  embeddingTransposed: RingMatrix;
}

/** What one training step reports at the guest. */
export interface SplitNnStepResult {
  loss: number;
  correct: number;
  rows: number;
}

/**
 * Active party of a split NN (FATE hetero NN's guest): bottom model on its own features, the
 * interactive layer h = relu(a_g·W_g + a_h·W_h + b) and a softmax top model. It holds W_h, but
 * a_h·W_h is computed as a Beaver product (Beaver, CRYPTO 1991) between the host's masked a_h and
 * its masked W_h, so it learns a_h·W_h (k → o < k dimensions), never a_h; the host learns
 * neither W_h nor δ. ∇W_h = a_hᵀ·δ comes from a second Beaver product.
 * @example
 * guest.receiveTriples(fromArbiter);
 * toHost(guest.trainOpen());
 * const { message } = guest.trainForward(hostOpen, hostShare); // → host
 * guest.trainFinish(hostBackwardShare);
 */
export class SplitNnGuest {
  readonly config: ResolvedSplitNnConfig;
  private readonly bottom: Dense;
  private readonly interactiveGuest: tf.Variable;
  private readonly interactiveHost: tf.Variable;
  private readonly interactiveBias: tf.Variable;
  private readonly top: Dense;
  private readonly optimizer: tf.Optimizer;
  private readonly sessions = new Map<string, Session>();
  private pending: Pending | undefined;
  private stepInternal = 0;

  constructor(
    private readonly features: Float32Array,
    private readonly labels: Uint8Array,
    config: SplitNnConfig,
  ) {
    this.config = resolveSplitNnConfig(config);
    const { rows, guestFeatures, embeddingUnits: k, interactiveUnits: o, classes, seed } = this.config;
    if (features.length !== rows * guestFeatures || labels.length !== rows) throw new VerticalError('VFL_BAD_PARAMETER', 'features and labels must cover the rows');
    if (labels.some((y) => y >= classes)) throw new VerticalError('VFL_BAD_PARAMETER', `labels must be below ${classes}`);
    this.bottom = dense(guestFeatures, k, seed * 8 + LAYER_SEEDS.guestBottom);
    this.interactiveGuest = dense(k, o, seed * 8 + LAYER_SEEDS.interactiveGuest).kernel;
    this.interactiveHost = dense(k, o, seed * 8 + LAYER_SEEDS.interactiveHost).kernel;
    this.interactiveBias = tf.variable(tf.zeros([o]));
    this.top = dense(o, classes, seed * 8 + LAYER_SEEDS.top);
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** The next training step. */
  get step(): number {
    return this.stepInternal;
  }

  /** Accepts the arbiter's masks for a session (shapes checked). */
  receiveTriples(message: unknown): void {
    const m = message as { session?: unknown } | null;
    const session = typeof m?.session === 'string' ? m.session : '';
    const msg = expectSplitMessage(message, 'split-nn.guest-triples', session);
    if (this.sessions.has(session)) throw new VerticalError('VFL_OUT_OF_ORDER', `triples for ${session} already received`);
    const k = this.config.embeddingUnits;
    const o = this.config.interactiveUnits;
    const f = msg.forward as { b?: unknown; z?: { rows?: unknown } } | undefined;
    const rows = typeof f?.z?.rows === 'number' ? f.z.rows : -1;
    if (!Number.isInteger(rows) || rows < 1) throw new VerticalError('VFL_MALFORMED', 'forward triple must have rows');
    const forward = { b: ringFromWire(f!.b, k, o, 'forward.b'), z: ringFromWire(f!.z, rows, o, 'forward.z') };
    const b = msg.backward as { b?: unknown; z?: unknown } | undefined;
    const backward = b === undefined ? undefined : { b: ringFromWire(b.b, rows, o, 'backward.b'), z: ringFromWire(b.z, k, o, 'backward.z') };
    this.sessions.set(session, backward ? { forward, backward, rows } : { forward, rows });
  }

  /** Forward, training: W_h minus the arbiter's mask, for the host. */
  trainOpen(): SplitNnGuestOpenMessage {
    return this.openWeight(trainSession(this.stepInternal));
  }

  /**
   * Forward and backward at the guest: reconstructs z_h = a_h·W_h from its share and the host's,
   * runs interactive and top layers, and returns ∂L/∂a_h = δ·W_hᵀ with δ masked for the second
   * Beaver product. Gradients are applied in {@link trainFinish}.
   */
  trainForward(hostOpen: unknown, hostShare: unknown): { message: SplitNnBackwardMessage } & SplitNnStepResult {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    if (this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', 'this step’s forward pass already ran');
    if (!s.weight || !s.backward) throw new VerticalError('VFL_OUT_OF_ORDER', 'forward before opening W_h');
    const open = expectSplitMessage(hostOpen, 'split-nn.host-open', session);
    const { start, end } = splitNnBatch(this.stepInternal, this.config);
    const zh = this.reconstruct(session, s, open, hostShare);
    const embeddingTransposed = ringFromWire(open.embeddingTransposed, this.config.embeddingUnits, s.rows, 'embeddingTransposed');
    const labels = this.labels.subarray(start, end);
    const zVar = tf.variable(tf.tensor2d(zh, [s.rows, this.config.interactiveUnits]));
    try {
      const vars = this.trainables();
      const { value, grads } = tf.variableGrads(() => {
        const logits = this.head(rowsTensor(this.features, start, end, this.config.guestFeatures), zVar);
        return crossEntropy(logits, labels, this.config.classes);
      }, [...vars, zVar]);
      const deltaTensor = grads[zVar.name]!;
      const delta = deltaTensor.dataSync() as Float32Array;
      const embeddingGradient = tf.tidy(() => tf.matMul(deltaTensor, this.interactiveHost, false, true).dataSync() as Float32Array);
      const correct = tf.tidy(() => {
        const predicted = argmaxRows(this.head(rowsTensor(this.features, start, end, this.config.guestFeatures), zVar));
        return predicted.reduce((acc, p, i) => acc + (p === labels[i] ? 1 : 0), 0);
      });
      const loss = value.dataSync()[0]!;
      value.dispose();
      deltaTensor.dispose();
      delete grads[zVar.name];
      const deltaRing = encodeRing(delta, s.rows, this.config.interactiveUnits);
      this.pending = { grads, delta: deltaRing, embeddingTransposed };
      return {
        message: { type: 'split-nn.backward', session, embeddingGradient: Array.from(embeddingGradient), delta: ringToWire(openRight(deltaRing, s.backward)) },
        loss,
        correct,
        rows: s.rows,
      };
    } finally {
      zVar.dispose();
    }
  }

  /** Completes the step: ∇W_h from the host's share of a_hᵀ·δ, then one Adam step on every guest weight. */
  trainFinish(message: unknown): void {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    const pending = this.pending;
    if (!pending) throw new VerticalError('VFL_OUT_OF_ORDER', 'finish before the forward pass');
    const m = expectSplitMessage(message, 'split-nn.host-backward-share', session);
    const hostPart = ringFromWire(m.share, this.config.embeddingUnits, this.config.interactiveUnits, 'share');
    const gradient = decodeRing(ringAdd(rightShare(pending.delta, s.backward!, pending.embeddingTransposed), hostPart), 2);
    const gradHost = tf.tensor2d(gradient, [this.config.embeddingUnits, this.config.interactiveUnits]);
    this.optimizer.applyGradients({ ...pending.grads, [this.interactiveHost.name]: gradHost });
    tf.dispose([gradHost, ...Object.values(pending.grads)]);
    this.pending = undefined;
    this.sessions.delete(session);
    this.stepInternal++;
  }

  /** Forward, scoring: W_h minus the session's mask. */
  predictOpen(session: string): SplitNnGuestOpenMessage {
    return this.openWeight(session);
  }

  /** Predicted classes of rows scored under `session` (features: rows × guestFeatures). */
  predict(session: string, features: Float32Array, hostOpen: unknown, hostShare: unknown): Int32Array {
    const s = this.session(session);
    if (!s.weight) throw new VerticalError('VFL_OUT_OF_ORDER', 'predict before opening W_h');
    const rows = features.length / this.config.guestFeatures;
    if (rows !== s.rows) throw new VerticalError('VFL_BAD_PARAMETER', `session ${session} is for ${s.rows} rows`);
    const zh = this.reconstruct(session, s, expectSplitMessage(hostOpen, 'split-nn.host-open', session), hostShare);
    this.sessions.delete(session);
    return tf.tidy(() => argmaxRows(this.head(rowsTensor(features, 0, rows, this.config.guestFeatures), tf.tensor2d(zh, [rows, this.config.interactiveUnits]))));
  }

  private trainables(): tf.Variable[] {
    return [this.bottom.kernel, this.bottom.bias, this.interactiveGuest, this.interactiveBias, this.top.kernel, this.top.bias];
  }

  private head(x: tf.Tensor2D, zh: tf.Tensor2D): tf.Tensor2D {
    const h = tf.relu(tf.add(tf.add(tf.matMul(bottomForward(this.bottom, x), this.interactiveGuest), zh), this.interactiveBias));
    return tf.add(tf.matMul(h, this.top.kernel), this.top.bias);
  }

  private session(name: string): Session {
    const s = this.sessions.get(name);
    if (!s) throw new VerticalError('VFL_OUT_OF_ORDER', `no triples for ${name}`);
    return s;
  }

  private openWeight(session: string): SplitNnGuestOpenMessage {
    const s = this.session(session);
    if (s.weight) throw new VerticalError('VFL_OUT_OF_ORDER', `W_h of ${session} was already opened`);
    s.weight = encodeRing(this.interactiveHost.dataSync(), this.config.embeddingUnits, this.config.interactiveUnits);
    return { type: 'split-nn.guest-open', session, weight: ringToWire(openRight(s.weight, s.forward)) };
  }

  /** z_h = (E·W_h + z_guest) + host share, read at scale 2^32. */
  private reconstruct(session: string, s: Session, open: Record<string, unknown>, hostShare: unknown): Float32Array {
    const e = ringFromWire(open.embedding, s.rows, this.config.embeddingUnits, 'embedding');
    const share = expectSplitMessage(hostShare, 'split-nn.host-share', session);
    const hostPart = ringFromWire(share.share, s.rows, this.config.interactiveUnits, 'share');
    return decodeRing(ringAdd(rightShare(s.weight!, s.forward, e), hostPart), 2);
  }
}
