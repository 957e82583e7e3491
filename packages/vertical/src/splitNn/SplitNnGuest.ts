// The guest of the split NN: labels, bottom model, interactive layer (holding W_h) and top model.
import * as tf from '@tensorflow/tfjs';
import { VerticalError } from '../VerticalError.ts';
import { openRight, rightShare } from './beaver.ts';
import type { RightTriple } from './beaver.ts';
import { expectSplitMessage, trainSession } from './messages.ts';
import type { SplitNnBackwardMessage, SplitNnGuestOpenMessage } from './messages.ts';
import { argmaxRows, bottomForward, crossEntropy, dense, hostLayerSeed, LAYER_SEEDS, resolveSplitNnConfig, rowsTensor, splitNnBatch } from './model.ts';
import type { Dense, ResolvedSplitNnConfig, SplitNnConfig } from './model.ts';
import { decodeRing, encodeRing, ringAdd, ringFromWire, ringToWire } from './ring.ts';
import type { RingMatrix } from './ring.ts';

/** One host's part of a session: its triples and its W_h as opened. */
interface HostPart {
  forward: RightTriple;
  backward?: RightTriple;
  /** W_h as encoded when opened: the forward pass must use the very same value. */
  weight?: RingMatrix;
}

interface Session {
  rows: number;
  /** Indexed by host; a session is complete when every host's triples are in. */
  hosts: (HostPart | undefined)[];
}

interface Pending {
  grads: tf.NamedTensorMap;
  delta: RingMatrix;
  embeddingTransposed: RingMatrix[];
}

/** One message, or one per host, as a list. */
const perHost = (m: unknown): unknown[] => (Array.isArray(m) ? m : [m]);

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
 * neither W_h nor δ. ∇W_h = a_hᵀ·δ comes from a second Beaver product. With several hosts the
 * interactive layer has one W_h per host and each term a_h·W_h (and its gradient) is its own Beaver
 * product, on that host's own triples; methods then take one host message per host, in host order.
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
  /** W_h of each host, in host order. */
  private readonly interactiveHost: tf.Variable[];
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
    this.interactiveHost = this.config.hostFeatures.map((_, h) => dense(k, o, hostLayerSeed(seed, 'interactiveHost', h)).kernel);
    this.interactiveBias = tf.variable(tf.zeros([o]));
    this.top = dense(o, classes, seed * 8 + LAYER_SEEDS.top);
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** The next training step. */
  get step(): number {
    return this.stepInternal;
  }

  /** Accepts the arbiter's masks for a session and one host (shapes checked). */
  receiveTriples(message: unknown): void {
    const m = message as { session?: unknown } | null;
    const session = typeof m?.session === 'string' ? m.session : '';
    const msg = expectSplitMessage(message, 'split-nn.guest-triples', session);
    const host = msg.host ?? 0;
    if (!Number.isInteger(host) || (host as number) < 0 || (host as number) >= this.interactiveHost.length) throw new VerticalError('VFL_MALFORMED', 'host must name a host of this run');
    const existing = this.sessions.get(session);
    if (existing?.hosts[host as number]) throw new VerticalError('VFL_OUT_OF_ORDER', `triples for ${session} already received`);
    const k = this.config.embeddingUnits;
    const o = this.config.interactiveUnits;
    const f = msg.forward as { b?: unknown; z?: { rows?: unknown } } | undefined;
    const rows = typeof f?.z?.rows === 'number' ? f.z.rows : -1;
    if (!Number.isInteger(rows) || rows < 1) throw new VerticalError('VFL_MALFORMED', 'forward triple must have rows');
    const forward = { b: ringFromWire(f!.b, k, o, 'forward.b'), z: ringFromWire(f!.z, rows, o, 'forward.z') };
    const b = msg.backward as { b?: unknown; z?: unknown } | undefined;
    const backward = b === undefined ? undefined : { b: ringFromWire(b.b, rows, o, 'backward.b'), z: ringFromWire(b.z, k, o, 'backward.z') };
    if (existing && existing.rows !== rows) throw new VerticalError('VFL_MALFORMED', `triples of ${session} disagree on rows`);
    const s = existing ?? { rows, hosts: this.interactiveHost.map(() => undefined) };
    s.hosts[host as number] = backward ? { forward, backward } : { forward };
    this.sessions.set(session, s);
  }

  /** Forward, training: W_h minus the arbiter's mask, for host `host`. */
  trainOpen(host = 0): SplitNnGuestOpenMessage {
    return this.openWeight(trainSession(this.stepInternal), host);
  }

  /**
   * Forward and backward at the guest: reconstructs each z_h = a_h·W_h from its share and the
   * host's, runs interactive and top layers, and returns for each host ∂L/∂a_h = δ·W_hᵀ with δ
   * masked for that host's second Beaver product (`messages`, in host order; `message` is the first).
   * Gradients are applied in {@link trainFinish}.
   */
  trainForward(hostOpens: unknown, hostShares: unknown): { message: SplitNnBackwardMessage; messages: SplitNnBackwardMessage[] } & SplitNnStepResult {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    if (this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', 'this step’s forward pass already ran');
    if (s.hosts.some((p) => !p?.weight || !p.backward)) throw new VerticalError('VFL_OUT_OF_ORDER', 'forward before opening W_h');
    const opens = this.hostMessages(hostOpens, 'split-nn.host-open', session);
    const { start, end } = splitNnBatch(this.stepInternal, this.config);
    const zh = this.reconstruct(session, s, opens, hostShares);
    const embeddingTransposed = opens.map((open) => ringFromWire(open.embeddingTransposed, this.config.embeddingUnits, s.rows, 'embeddingTransposed'));
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
      const embeddingGradients = this.interactiveHost.map((w) => tf.tidy(() => tf.matMul(deltaTensor, w, false, true).dataSync() as Float32Array));
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
      const messages = (s.hosts as HostPart[]).map((p, h): SplitNnBackwardMessage => ({
        type: 'split-nn.backward', session, embeddingGradient: Array.from(embeddingGradients[h]!), delta: ringToWire(openRight(deltaRing, p.backward!)),
      }));
      return { message: messages[0]!, messages, loss, correct, rows: s.rows };
    } finally {
      zVar.dispose();
    }
  }

  /** Completes the step: each ∇W_h from its host's share of a_hᵀ·δ (one message per host), then one Adam step on every guest weight. */
  trainFinish(hostBackwardShares: unknown): void {
    const session = trainSession(this.stepInternal);
    const s = this.session(session);
    const pending = this.pending;
    if (!pending) throw new VerticalError('VFL_OUT_OF_ORDER', 'finish before the forward pass');
    const shares = this.hostMessages(hostBackwardShares, 'split-nn.host-backward-share', session);
    const { embeddingUnits: k, interactiveUnits: o } = this.config;
    const gradients = shares.map((m, h) => {
      const hostPart = ringFromWire(m.share, k, o, 'share');
      return decodeRing(ringAdd(rightShare(pending.delta, s.hosts[h]!.backward!, pending.embeddingTransposed[h]!), hostPart), 2);
    });
    const hostGrads = Object.fromEntries(this.interactiveHost.map((w, h) => [w.name, tf.tensor2d(gradients[h]!, [k, o])]));
    this.optimizer.applyGradients({ ...pending.grads, ...hostGrads });
    tf.dispose([...Object.values(hostGrads), ...Object.values(pending.grads)]);
    this.pending = undefined;
    this.sessions.delete(session);
    this.stepInternal++;
  }

  /** Forward, scoring: W_h of host `host` minus the session's mask. */
  predictOpen(session: string, host = 0): SplitNnGuestOpenMessage {
    return this.openWeight(session, host);
  }

  /** Predicted classes of rows scored under `session` (features: rows × guestFeatures; host messages one per host). */
  predict(session: string, features: Float32Array, hostOpens: unknown, hostShares: unknown): Int32Array {
    const s = this.session(session);
    if (s.hosts.some((p) => !p?.weight)) throw new VerticalError('VFL_OUT_OF_ORDER', 'predict before opening W_h');
    const rows = features.length / this.config.guestFeatures;
    if (rows !== s.rows) throw new VerticalError('VFL_BAD_PARAMETER', `session ${session} is for ${s.rows} rows`);
    const zh = this.reconstruct(session, s, this.hostMessages(hostOpens, 'split-nn.host-open', session), hostShares);
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

  private openWeight(session: string, host: number): SplitNnGuestOpenMessage {
    const s = this.session(session);
    const part = s.hosts[host];
    if (!part) throw new VerticalError('VFL_OUT_OF_ORDER', `no triples of host ${host} for ${session}`);
    if (part.weight) throw new VerticalError('VFL_OUT_OF_ORDER', `W_h of ${session} was already opened`);
    part.weight = encodeRing(this.interactiveHost[host]!.dataSync(), this.config.embeddingUnits, this.config.interactiveUnits);
    return { type: 'split-nn.guest-open', session, weight: ringToWire(openRight(part.weight, part.forward)) };
  }

  /** One checked message per host, in host order (VFL_MALFORMED for a wrong count). */
  private hostMessages(messages: unknown, type: 'split-nn.host-open' | 'split-nn.host-backward-share', session: string): Record<string, unknown>[] {
    const list = perHost(messages);
    if (list.length !== this.interactiveHost.length) throw new VerticalError('VFL_MALFORMED', `expected one ${type} per host (${this.interactiveHost.length})`);
    return list.map((m) => expectSplitMessage(m, type, session));
  }

  /** Σ_h z_h, each z_h = (E_h·W_h + z_guest,h) + host h's share, read at scale 2^32. */
  private reconstruct(session: string, s: Session, opens: Record<string, unknown>[], hostShares: unknown): Float32Array {
    const shares = perHost(hostShares);
    if (shares.length !== opens.length) throw new VerticalError('VFL_MALFORMED', 'expected one split-nn.host-share per host');
    const { embeddingUnits: k, interactiveUnits: o } = this.config;
    let sum: RingMatrix | undefined;
    opens.forEach((open, h) => {
      const part = s.hosts[h]!;
      const e = ringFromWire(open.embedding, s.rows, k, 'embedding');
      const share = expectSplitMessage(shares[h], 'split-nn.host-share', session);
      const hostPart = ringFromWire(share.share, s.rows, o, 'share');
      const zh = ringAdd(rightShare(part.weight!, part.forward, e), hostPart);
      sum = sum === undefined ? zh : ringAdd(sum, zh);
    });
    return decodeRing(sum!, 2);
  }
}
