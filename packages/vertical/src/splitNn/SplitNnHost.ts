// The host of the split NN: trains its bottom model; its embedding reaches the guest only masked.
import * as tf from '@tensorflow/tfjs';
import { VerticalError } from '../VerticalError.ts';
import { leftShare, openLeft } from './beaver.ts';
import type { LeftTriple } from './beaver.ts';
import { expectSplitMessage, trainSession } from './messages.ts';
import type { SplitNnBackwardMessage, SplitNnHostBackwardShareMessage, SplitNnHostOpenMessage, SplitNnHostShareMessage } from './messages.ts';
import { bottomForward, dense, hostLayerSeed, resolveSplitNnConfig, rowsTensor, splitNnBatch } from './model.ts';
import type { Dense, ResolvedSplitNnConfig, SplitNnConfig } from './model.ts';
import { encodeRing, ringFromWire, ringToWire, ringTranspose } from './ring.ts';

interface Session {
  forward: LeftTriple;
  backward?: LeftTriple;
  rows: number;
  /** Input rows of a training session, for the backward pass. */
  start?: number;
}

/**
 * Passive party of a split NN (FATE hetero NN's host): a bottom model relu(x_h·W + b) → a_h.
 * The guest receives a_h − A and a_hᵀ − A' (uniform: A, A' are the arbiter's masks) and the
 * host's share of a_h·W_h, never a_h. The host receives W_h − B (uniform) and ∂L/∂a_h, the
 * gradient its own bottom model needs, never W_h, the labels or the guest's features.
 * @example
 * host.receiveTriples(fromArbiter);
 * const open = host.trainOpen();          // → guest
 * const share = host.trainShare(guestOpen); // → guest
 * const backShare = host.trainBackward(backwardFromGuest); // → guest
 */
export class SplitNnHost {
  readonly config: ResolvedSplitNnConfig;
  private readonly bottom: Dense;
  private readonly optimizer: tf.Optimizer;
  private readonly sessions = new Map<string, Session>();
  private stepInternal = 0;

  /** This host's feature count (its entry of config.hostFeatures). */
  private readonly width: number;

  /** `index` is this host's place in role order (0 for `host`, 1 for `host-2`, …). */
  constructor(
    private readonly features: Float32Array,
    config: SplitNnConfig,
    readonly index = 0,
  ) {
    this.config = resolveSplitNnConfig(config);
    const width = this.config.hostFeatures[index];
    if (width === undefined) throw new VerticalError('VFL_BAD_PARAMETER', `no host ${index} in this config`);
    this.width = width;
    if (features.length !== this.config.rows * width) throw new VerticalError('VFL_BAD_PARAMETER', 'features must be rows × hostFeatures');
    this.bottom = dense(width, this.config.embeddingUnits, hostLayerSeed(this.config.seed, 'hostBottom', index));
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** The next training step. */
  get step(): number {
    return this.stepInternal;
  }

  /** Accepts the arbiter's masks for a session (shapes checked against the config). */
  receiveTriples(message: unknown): void {
    const m = message as { session?: unknown } | null;
    const session = typeof m?.session === 'string' ? m.session : '';
    const msg = expectSplitMessage(message, 'split-nn.host-triples', session);
    if (this.sessions.has(session)) throw new VerticalError('VFL_OUT_OF_ORDER', `triples for ${session} already received`);
    const k = this.config.embeddingUnits;
    const o = this.config.interactiveUnits;
    const f = msg.forward as { a?: { rows?: unknown }; z?: unknown } | undefined;
    const rows = typeof f?.a?.rows === 'number' ? f.a.rows : -1;
    if (!Number.isInteger(rows) || rows < 1) throw new VerticalError('VFL_MALFORMED', 'forward triple must have rows');
    const forward = { a: ringFromWire(f!.a, rows, k, 'forward.a'), z: ringFromWire(f!.z, rows, o, 'forward.z') };
    const b = msg.backward as { a?: unknown; z?: unknown } | undefined;
    const backward = b === undefined ? undefined : { a: ringFromWire(b.a, k, rows, 'backward.a'), z: ringFromWire(b.z, k, o, 'backward.z') };
    this.sessions.set(session, backward ? { forward, backward, rows } : { forward, rows });
  }

  /** Forward, training: the masked embedding of this step's batch. */
  trainOpen(): SplitNnHostOpenMessage {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    const { start, end } = splitNnBatch(this.stepInternal, this.config);
    if (!s.backward || s.rows !== end - start) throw new VerticalError('VFL_MALFORMED', `triples of ${session} do not fit a training batch`);
    s.start = start;
    return this.open(session, s, this.embed(this.features, start, end), true);
  }

  /** Forward, training: the host's share of a_h·W_h, given the guest's opening of W_h. */
  trainShare(message: unknown): SplitNnHostShareMessage {
    return this.share(trainSession(this.stepInternal), message);
  }

  /**
   * Backward: trains the bottom model on ∂L/∂a_h from the guest and returns the host's share
   * of ∇W_h = a_hᵀ·δ; then the next step begins. VFL_MALFORMED on a bad message (no update).
   */
  trainBackward(message: unknown): SplitNnHostBackwardShareMessage {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    const m = expectSplitMessage(message, 'split-nn.backward', session);
    const k = this.config.embeddingUnits;
    const grad = m.embeddingGradient;
    if (!Array.isArray(grad) || grad.length !== s.rows * k || grad.some((g) => typeof g !== 'number' || !Number.isFinite(g))) {
      throw new VerticalError('VFL_MALFORMED', `embeddingGradient must be ${s.rows}×${k} finite numbers`);
    }
    const delta = ringFromWire(m.delta, s.rows, this.config.interactiveUnits, 'delta');
    if (s.start === undefined) throw new VerticalError('VFL_OUT_OF_ORDER', 'backward before the forward pass');
    const start = s.start;
    const share = leftShare(s.backward!, delta);
    tf.tidy(() => {
      const x = rowsTensor(this.features, start, start + s.rows, this.width);
      const dy = tf.tensor2d(grad as number[], [s.rows, k]);
      // ∇θ of Σ a_h(θ)⊙dy is the chain rule's J_θᵀ·dy: the bottom model's gradient.
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(bottomForward(this.bottom, x), dy)) as tf.Scalar, [this.bottom.kernel, this.bottom.bias]);
      this.optimizer.applyGradients(grads);
    });
    this.sessions.delete(session);
    this.stepInternal++;
    return { type: 'split-nn.host-backward-share', session, share: ringToWire(share) };
  }

  /** Forward, scoring: the masked embedding of `features` (rows × hostFeatures). */
  predictOpen(session: string, features: Float32Array): SplitNnHostOpenMessage {
    const s = this.session(session);
    const rows = features.length / this.width;
    if (rows !== s.rows) throw new VerticalError('VFL_BAD_PARAMETER', `session ${session} is for ${s.rows} rows`);
    return this.open(session, s, this.embed(features, 0, rows), false);
  }

  /** Forward, scoring: the host's share of a_h·W_h; the session ends here. */
  predictShare(session: string, message: unknown): SplitNnHostShareMessage {
    const out = this.share(session, message);
    this.sessions.delete(session);
    return out;
  }

  private session(name: string): Session {
    const s = this.sessions.get(name);
    if (!s) throw new VerticalError('VFL_OUT_OF_ORDER', `no triples for ${name}`);
    return s;
  }

  private embed(features: Float32Array, start: number, end: number): Float32Array {
    return tf.tidy(() => bottomForward(this.bottom, rowsTensor(features, start, end, this.width)).dataSync() as Float32Array);
  }

  private open(session: string, s: Session, embedding: Float32Array, training: boolean): SplitNnHostOpenMessage {
    const a = encodeRing(embedding, s.rows, this.config.embeddingUnits);
    const out: SplitNnHostOpenMessage = { type: 'split-nn.host-open', session, embedding: ringToWire(openLeft(a, s.forward)) };
    if (training) out.embeddingTransposed = ringToWire(openLeft(ringTranspose(a), s.backward!));
    return out;
  }

  private share(session: string, message: unknown): SplitNnHostShareMessage {
    const s = this.session(session);
    const m = expectSplitMessage(message, 'split-nn.guest-open', session);
    const f = ringFromWire(m.weight, this.config.embeddingUnits, this.config.interactiveUnits, 'weight');
    return { type: 'split-nn.host-share', session, share: ringToWire(leftShare(s.forward, f)) };
  }
}
