// The client's side of one secure-aggregation round over the socket: advertises keys, shares its
// secrets, uploads its update masked (clipped, optionally noised, fixed point) and helps unmask.

import {
  SecAggClient, addGaussianNoise, clipByL2Norm, encodeQuantisedUpdate, encodeWeightedUpdate, gaussianNoise, l2Norm, type GaussianSampler,
  type QuantisedFixedPointConfig, type SharesDeliveryMessage, type WeightedFixedPointConfig,
} from '@flotilla/privacy';
import {
  encodeWordsFrame, fromBase64, toBase64, type RoundPlan, type SecAggDeliver, type SecAggKeys, type SecAggPlan, type SecAggUnmask,
} from '@flotilla/protocol';

export type SecureStage = 'advertised' | 'shared' | 'masked' | 'revealed';

/**
 * Adaptive clipping under SecAgg (Andrew et al. 2021): the clipped, noised update followed by
 * 1 if the raw update's norm was ≤ S (else 0) plus this client's share of the count noise, so the
 * coordinator unmasks only the noised count of unclipped updates.
 */
export function withUnclippedBit(
  values: Float32Array, update: Float32Array, clipNorm: number | undefined, countNoiseStd: number, noise: GaussianSampler = gaussianNoise,
): Float32Array {
  if (clipNorm === undefined) throw new Error('adaptive clipping needs the plan\'s clipNorm');
  const out = new Float32Array(values.length + 1);
  out.set(values);
  const bit = l2Norm(update) <= clipNorm ? 1 : 0;
  out[values.length] = bit + (countNoiseStd > 0 ? noise(1, countNoiseStd)[0]! : 0);
  return out;
}

/**
 * One round's SecAgg client. Steps run one at a time in arrival order, so a message that comes
 * while the previous step still computes waits for it. A failing step ends the session.
 * @example
 * const session = new SecureSession(plan, send, (stage) => log(stage), (err) => log(err));
 * session.start();                          // advertise keys while training runs
 * session.onKeys(msg); session.onDeliver(msg);
 * await session.upload(update, numExamples); // masked words frame
 * session.onUnmask(msg);
 */
export class SecureSession {
  readonly taskId: string;
  readonly round: number;
  private readonly spec: SecAggPlan;
  private readonly client: SecAggClient;
  private readonly codec: WeightedFixedPointConfig;
  /** Under a quantised plan: b-bit stochastic rounding, sent mod 2^ringBits. */
  private readonly quantised: QuantisedFixedPointConfig | null;
  private queue: Promise<void> = Promise.resolve();
  private delivered: (d: SharesDeliveryMessage) => void = () => {};
  private readonly delivery = new Promise<SharesDeliveryMessage>((resolve) => (this.delivered = resolve));
  private failed = false;

  constructor(
    private readonly plan: RoundPlan & { secureAggregation: SecAggPlan },
    private readonly send: (data: string | Uint8Array) => boolean,
    private readonly onStage: (stage: SecureStage, bytes: number) => void,
    private readonly onError: (err: unknown) => void,
    /** Source of this client's share of the DP noise. */
    private readonly noise: GaussianSampler = gaussianNoise,
    /** Uniform [0, 1) for stochastic rounding. */
    private readonly random: () => number = Math.random,
  ) {
    this.taskId = plan.taskId;
    this.round = plan.round;
    this.spec = plan.secureAggregation;
    const { spec } = this;
    this.client = new SecAggClient(spec.party, {
      vectorLength: spec.vectorLength, threshold: spec.threshold, sessionId: fromBase64(spec.sessionId),
      mode: spec.mode === 'plus' ? { kind: 'plus', neighbours: spec.neighbours ?? 2 } : { kind: 'full' },
    });
    this.codec = { clip: spec.clip, scale: spec.scale, maxSummands: spec.maxSummands, maxWeight: spec.maxWeight };
    this.quantised = spec.quantised ? { ...this.codec, ...spec.quantised } : null;
  }

  matches(taskId: string, round: number): boolean {
    return this.taskId === taskId && this.round === round;
  }

  start(): void {
    this.step(async () => {
      const adv = await this.client.advertiseKeys();
      this.sendJson({
        type: 'secagg.advertise', taskId: this.taskId, round: this.round,
        encryptionPublicKey: toBase64(adv.encryptionPublicKey), maskingPublicKey: toBase64(adv.maskingPublicKey),
      }, 'advertised');
    });
  }

  onKeys(msg: SecAggKeys): void {
    this.step(async () => {
      const out = await this.client.shareKeys({
        participants: msg.participants,
        peers: msg.peers.map((p) => ({ id: p.id, encryptionPublicKey: fromBase64(p.encryptionPublicKey), maskingPublicKey: fromBase64(p.maskingPublicKey) })),
        ...(msg.graphSeed ? { graphSeed: fromBase64(msg.graphSeed) } : {}),
      });
      this.sendJson({
        type: 'secagg.shares', taskId: this.taskId, round: this.round,
        shares: out.shares.map((s) => ({ to: s.to, ciphertext: toBase64(s.ciphertext) })),
      }, 'shared');
    });
  }

  onDeliver(msg: SecAggDeliver): void {
    this.delivered({ shares: msg.shares.map((s) => ({ from: s.from, to: this.spec.party, ciphertext: fromBase64(s.ciphertext) })) });
  }

  /**
   * Clips the update (to the L2 norm S under DP, then per coordinate to the fixed-point range),
   * adds this client's share of the DP noise, encodes it with its weight (quantised last, so DP's
   * clip and noise come before compression) and uploads it masked once the share boxes of its
   * peers have arrived, packed at the plan's ring width when it is quantised.
   */
  async upload(update: Float32Array, numExamples: number): Promise<number | null> {
    let sentBytes: number | null = null;
    // Wait outside the queue: the key and share steps that lead to the delivery run in it.
    const delivery = await this.delivery;
    return this.step(async () => {
      const { spec } = this;
      let values: Float32Array = update;
      if (spec.clipNorm !== undefined) values = clipByL2Norm(Float32Array.from(update), spec.clipNorm);
      if (spec.noiseStd) addGaussianNoise(values, spec.noiseStd, this.noise);
      if (spec.countNoiseStd !== undefined) values = withUnclippedBit(values, update, spec.clipNorm, spec.countNoiseStd, this.noise);
      const weight = spec.clipNorm !== undefined ? 1 : Math.min(numExamples, spec.maxWeight);
      const q = this.quantised;
      const input = q ? encodeQuantisedUpdate(values, weight, q, this.random) : encodeWeightedUpdate(values, weight, this.codec);
      const masked = await this.client.maskInput(delivery, input);
      const message = { type: 'secagg.masked', taskId: this.taskId, round: this.round, modelVersion: this.plan.modelVersion };
      const frame = q
        ? encodeWordsFrame({ ...message, ringBits: q.ringBits }, masked.masked, { bits: q.ringBits, wide: 1 })
        : encodeWordsFrame(message, masked.masked);
      if (this.send(frame)) {
        sentBytes = frame.byteLength;
        this.onStage('masked', frame.byteLength);
      }
    }).then(() => sentBytes);
  }

  onUnmask(msg: SecAggUnmask): void {
    this.step(async () => {
      const out = await this.client.unmask({ survivors: msg.survivors });
      const encode = (list: typeof out.selfMaskShares) => list.map((r) => ({ of: r.of, share: toBase64(r.share) }));
      this.sendJson({
        type: 'secagg.reveal', taskId: this.taskId, round: this.round,
        selfMaskShares: encode(out.selfMaskShares), secretKeyShares: encode(out.secretKeyShares),
      }, 'revealed');
    });
  }

  private sendJson(message: object, stage: SecureStage): void {
    const text = JSON.stringify(message);
    if (this.send(text)) this.onStage(stage, text.length);
  }

  private step(body: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.failed) return;
      try {
        await body();
      } catch (err) {
        this.failed = true;
        this.onError(err);
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }
}
