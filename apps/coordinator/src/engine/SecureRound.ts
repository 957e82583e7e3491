// One round under secure aggregation (Bonawitz et al., CCS 2017; SecAgg+ of Bell et al., CCS 2020)
// over the client sockets: keys → shares → masked upload → unmasking, each stage with a deadline.
// The coordinator holds public keys, boxes it cannot open, a running sum of masked vectors and, at
// the end, only the unmasked sum of the weighted updates and of their weights.

import {
  SecAggServer, decodeFixedPointSum, decodeWeightedMean, distributedNoiseStd, isPrivacyError, quantisedFixedPointConfig,
  randomBytes, secAggParams, weightedFixedPointConfig, type QuantisedFixedPointConfig, type SecAggParams, type WeightedFixedPointConfig,
} from '@flotilla/privacy';
import { hasSecureSumFinishing, type FitAggregation, type FitFailure, type Strategy } from '@flotilla/core';
import {
  ErrorCodes, FlotillaError, fromBase64, toBase64, type RoundPlan, type SecAggAdvertise, type SecAggMasked, type SecAggPlan,
  type SecAggReveal, type SecAggShares, type SecureAggregationSpec, type TaskConfig,
} from '@flotilla/protocol';
import type { EngineDeps } from './deps.ts';
import { bindDpSgdExamples, dpSgdBindsExamples } from './sampleLevelPrivacy.ts';
import { adaptiveClippingOf } from './strategyFromTask.ts';
import { maxExamplesPerClient } from './exampleCounts.ts';
import { checkSecureWeight } from './secAggBounds.ts';
import { secureQuantisationOf, type SecureQuantisation } from './secureQuantisation.ts';
import type { CloseReason, RoundPhase, RoundState } from './RoundState.ts';

/** The secure-aggregation settings of a task, or null when it aggregates in the clear. */
export function secureAggregationOf(config: TaskConfig): SecureAggregationSpec | null {
  const spec = config.privacy.secureAggregation;
  return spec?.enabled ? spec : null;
}

export type SecAggClientMessage = SecAggAdvertise | SecAggShares | SecAggMasked | SecAggReveal;

type Stage = 'keys' | 'shares' | 'mask' | 'unmask' | 'done';

/** What the unmasking produced: the weighted mean of the updates and how many clients are in it. */
export interface SecureSum {
  mean: Float64Array;
  sum: Float64Array;
  totalWeight: number;
  survivors: number;
  /** Under adaptive clipping: Σ (unclipped bit + the client's share of the count noise). */
  noisedUnclippedCount?: number;
}

/** Distributed DP of a secure round: what each client clips to and the noise the sum must carry. */
interface DistributedDp {
  /** This round's clip norm S (it moves under adaptive clipping). */
  clipNorm: number;
  /** Noise multiplier of the update sum: z, or z_Δ under adaptive clipping. */
  noiseMultiplier: number;
  minReports: number;
  /** σ_b of the unclipped count under adaptive clipping, else null. */
  countNoiseStd: number | null;
}

/**
 * Drives one secure round: `planFor` adds each client's SecAgg block to its plan, the socket
 * hands messages to `advertise` / `shares` / `masked` / `reveal`, `collect` runs the stages up to
 * the close of the masked upload and `unmask` the rest.
 * @example
 * const secure = SecureRound.open(deps, taskId, config, rs, weights.length); // null without SecAgg
 * const reason = await secure.collect(onPhase);  // keys, shares, masked upload
 * const result = await secure.unmask(onPhase);   // SecureSum, or throws SECAGG_TOO_FEW_SURVIVORS
 * const next = SecureRound.finish(strategy, aggregation, weights, result, failures);
 */
export class SecureRound {
  readonly params: SecAggParams;
  readonly codec: WeightedFixedPointConfig;
  /** Under an int8 uplink: the quantised codec every client encodes with (its ring, its scale). */
  private readonly quantised: QuantisedFixedPointConfig | null;
  private readonly server: SecAggServer;
  private readonly party = new Map<string, number>();
  private readonly clientOf = new Map<number, string>();
  private readonly gone = new Set<string>();
  private stage: Stage = 'keys';
  private readonly sent = { keys: new Set<number>(), shares: new Set<number>(), reveal: new Set<number>() };
  private poke: () => void = () => {};
  private readonly packers: ReadonlySet<string>;

  constructor(
    private readonly deps: EngineDeps,
    private readonly taskId: string,
    private readonly rs: RoundState,
    private readonly spec: SecureAggregationSpec,
    /** Model parameters; the masked vector has one more word, the weight (two under adaptive clipping). */
    private readonly modelLength: number,
    /** Each selected client's declared example count, capped: its weight in the sum at most. */
    private readonly declared: ReadonlyMap<string, number>,
    /** Distributed DP noise: clients clip to S and add their share of it themselves. */
    private readonly dp: DistributedDp | null,
    /** Under DP-SGD: the example count each selected client is bound to and accounted for. */
    private readonly boundExamples: ReadonlyMap<string, number> | null = null,
    /** Quantised fixed point (int8 uplink) and the selected clients that pack at its ring width. */
    quantisation: { spec: SecureQuantisation; packers: ReadonlySet<string> } | null = null,
  ) {
    // Party numbers are Shamir x-coordinates: 1…m over the selected ids in a fixed order.
    [...rs.selected].sort().forEach((id, i) => {
      this.party.set(id, i + 1);
      this.clientOf.set(i + 1, id);
    });
    const m = rs.selected.size;
    this.params = secAggParams({
      clients: m, vectorLength: this.valuesLength + 1, mode: spec.mode, sessionId: randomBytes(16),
      ...(spec.neighbours === undefined ? {} : { neighbours: spec.neighbours }),
      ...(spec.threshold === undefined ? {} : { threshold: spec.threshold }),
    });
    // Under DP the fixed-point range must hold the clipped update plus its noise (6σ practically
    // never clips), and under adaptive clipping the noised bit too.
    const clip = dp ? Math.max(dp.clipNorm + 6 * this.noiseStd(), dp.countNoiseStd === null ? 0 : 1 + 6 * this.countNoiseStd()) : spec.clip;
    // The weight word sums to at most m·maxWeight: the codec refuses (and the round is abandoned)
    // unless that stays below 2^32, as it refuses values whose sum could wrap.
    const weighting = { clip, maxSummands: m, maxWeight: dp ? 1 : Math.max(1, ...declared.values()) };
    // Quantised: every client encodes at the one scale (2^(b−1) − 1)/clip; those that speak int8 send
    // their words mod 2^ringBits, the others whole words, and the sum is read mod 2^ringBits.
    this.quantised = quantisation ? quantisedFixedPointConfig({ ...weighting, ...quantisation.spec }) : null;
    this.packers = quantisation?.packers ?? new Set();
    this.codec = this.quantised ?? weightedFixedPointConfig(weighting);
    this.server = new SecAggServer(this.params);
  }

  /** The secure round for a task that requires one, else null; `strategy` gives S and z of this round where it finishes noised sums (DP-FedAvg). */
  static open(deps: EngineDeps, taskId: string, config: TaskConfig, rs: RoundState, modelLength: number, strategy: Strategy): SecureRound | null {
    const spec = secureAggregationOf(config);
    if (!spec) return null;
    const dp = config.privacy.differentialPrivacy;
    // The weight is the example count, clamped to the largest one the selected clients announced,
    // which selection has already held to the task's cap.
    const announced = [...rs.selected].map((id) => Math.min(deps.registry.get(id)?.numExamples ?? 0, maxExamplesPerClient(config)));
    const bound = dpSgdBindsExamples(config)
      ? new Map([...rs.selected].flatMap((id, i) => (announced[i]! >= 1 ? [[id, announced[i]!] as const] : [])))
      : null;
    const distributed: DistributedDp | null = hasSecureSumFinishing(strategy) ? {
      clipNorm: strategy.clipNorm, noiseMultiplier: strategy.updateNoiseMultiplier, minReports: config.stop.minReports,
      countNoiseStd: dp.adaptiveClipping?.enabled ? adaptiveClippingOf(config).countNoiseStd : null,
    } : null;
    const declared = new Map([...rs.selected].map((id, i) => [id, announced[i]!] as const));
    const quantised = secureQuantisationOf(config);
    const packers = new Set([...rs.selected].filter((id) => deps.registry.get(id)?.codecs?.includes('int8')));
    return new SecureRound(deps, taskId, rs, spec, modelLength, declared, distributed, bound, quantised ? { spec: quantised, packers } : null);
  }

  /** Values before the weight: the model's parameters, and the unclipped bit under adaptive clipping. */
  private get valuesLength(): number {
    return this.modelLength + (this.dp && this.dp.countNoiseStd !== null ? 1 : 0);
  }

  /**
   * Each client's share of the noise, calibrated to the fewest contributors a committed round can
   * have: the sum is unmasked only with ≥ threshold survivors (and counted only with ≥ minReports),
   * so however many selected clients drop out, a committed sum carries std ≥ z·S and the accountant's
   * ε at z holds. With g guaranteed and all m selected surviving, the sum carries z·S·√(m/g).
   */
  private noiseStd(): number {
    return this.dp ? distributedNoiseStd(this.dp.clipNorm, this.dp.noiseMultiplier, this.guaranteedContributors()) : 0;
  }

  /** Each client's share of σ_b, on the same guarantee as the update noise. */
  private countNoiseStd(): number {
    return this.dp?.countNoiseStd ? distributedNoiseStd(1, this.dp.countNoiseStd, this.guaranteedContributors()) : 0;
  }

  private guaranteedContributors(): number {
    return Math.max(this.params.threshold, Math.min(this.dp!.minReports, this.rs.selected.size));
  }

  /** The SecAgg block of one client's round plan. */
  planFor(clientId: string): SecAggPlan {
    const { mode } = this.params;
    return {
      party: this.party.get(clientId)!, mode: mode.kind, ...(mode.kind === 'plus' ? { neighbours: mode.neighbours } : {}),
      threshold: this.params.threshold, sessionId: toBase64(this.params.sessionId), vectorLength: this.params.vectorLength,
      clip: this.codec.clip, scale: this.codec.scale, maxSummands: this.codec.maxSummands, maxWeight: this.codec.maxWeight,
      ...(this.dp ? { clipNorm: this.dp.clipNorm, noiseStd: this.noiseStd() } : {}),
      ...(this.dp && this.dp.countNoiseStd !== null ? { countNoiseStd: this.countNoiseStd() } : {}),
      ...(this.ringBitsOf(clientId) === 32 ? {} : { quantised: { bits: this.quantised!.bits, ringBits: this.quantised!.ringBits, stochastic: this.quantised!.stochastic } }),
    };
  }

  /** The width a client sends its masked values at: the quantised ring if it packs, else 32. */
  ringBitsOf(clientId: string): number {
    return this.quantised && this.packers.has(clientId) ? this.quantised.ringBits : 32;
  }

  /** One client's round plan: its SecAgg block and, under DP-SGD, the example count it is bound to. */
  bindPlan(plan: RoundPlan, clientId: string): RoundPlan {
    return { ...plan, fit: bindDpSgdExamples(plan.fit, this.boundExamplesOf(clientId)), secureAggregation: this.planFor(clientId) };
  }

  /** Under DP-SGD, the examples the client's masked report is accounted for; else null. */
  boundExamplesOf(clientId: string): number | null {
    return this.boundExamples?.get(clientId) ?? null;
  }

  /** A selected client disconnected or failed: no stage waits for it any more. */
  left(clientId: string): void {
    this.gone.add(clientId);
    this.poke();
  }

  /** A SecAgg message from a selected client of this round (the socket has validated its schema). */
  handle(clientId: string, message: SecAggClientMessage, words: Uint32Array | undefined, modelVersion: number): void {
    if (!this.party.has(clientId)) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${clientId} was not selected in round ${this.rs.round}`);
    switch (message.type) {
      case 'secagg.advertise': return this.advertise(clientId, message);
      case 'secagg.shares': return this.shares(clientId, message);
      case 'secagg.masked': return this.masked(clientId, message, words!, modelVersion);
      case 'secagg.reveal': return this.reveal(clientId, message);
    }
  }

  private advertise(clientId: string, msg: SecAggAdvertise): void {
    const id = this.partyOf(clientId);
    this.accept('keys', this.sent.keys, id, () => this.server.receiveAdvertise({
      id, encryptionPublicKey: fromBase64(msg.encryptionPublicKey), maskingPublicKey: fromBase64(msg.maskingPublicKey),
    }));
  }

  private shares(clientId: string, msg: SecAggShares): void {
    const id = this.partyOf(clientId);
    this.accept('shares', this.sent.shares, id, () => this.server.receiveShares({
      id, shares: msg.shares.map((s) => ({ from: id, to: s.to, ciphertext: fromBase64(s.ciphertext) })),
    }));
  }

  /** A masked vector; counted as the client's report of the round. */
  private masked(clientId: string, msg: SecAggMasked, words: Uint32Array, modelVersion: number): void {
    if (msg.modelVersion !== modelVersion) throw new FlotillaError(ErrorCodes.STALE_ROUND, `masked input from model ${msg.modelVersion}, the round uses ${modelVersion}`);
    if (!this.rs.isOpen) throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${this.rs.round} is no longer taking masked inputs`);
    const id = this.partyOf(clientId);
    const planned = this.ringBitsOf(clientId);
    if ((msg.ringBits ?? 32) !== planned) {
      throw new FlotillaError(ErrorCodes.UNSUPPORTED_CODEC, `masked input packed at ${msg.ringBits ?? 32} bits, this client's plan asks for ${planned}`);
    }
    this.accept('mask', null, id, () => this.server.receiveMaskedInput({ id, masked: words }));
    // The count is the one the plan bound under DP-SGD (what its accounting replays), else unknown.
    this.rs.addReport(clientId, { numExamples: this.boundExamplesOf(clientId), trainLoss: null });
    this.deps.bus.publish('round.report', this.taskId, { round: this.rs.round, clientId, masked: true, reported: this.rs.reports.size, goal: this.rs.goal });
  }

  private reveal(clientId: string, msg: SecAggReveal): void {
    const decode = (list: SecAggReveal['selfMaskShares']) => list.map((r) => ({ of: r.of, share: fromBase64(r.share) }));
    const id = this.partyOf(clientId);
    this.accept('unmask', this.sent.reveal, id, () => this.server.receiveUnmask({
      id, selfMaskShares: decode(msg.selfMaskShares), secretKeyShares: decode(msg.secretKeyShares),
    }));
  }

  /**
   * Runs the key and share stages and waits for the masked uploads (the round's deadline).
   * Returns why the upload stage closed; a stage left with fewer than t clients ends in 'failed'.
   */
  async collect(onPhase: (phase: RoundPhase) => void): Promise<CloseReason | 'failed'> {
    onPhase('keys');
    if ((await this.waitStage([...this.party.keys()], this.sent.keys)) === 'aborted') return 'aborted';
    const broadcasts = this.tryClose(() => this.server.closeAdvertise());
    if (!broadcasts) return 'failed';
    this.stage = 'shares';
    for (const [id, b] of broadcasts) {
      this.send(id, {
        type: 'secagg.keys', taskId: this.taskId, round: this.rs.round, participants: b.participants,
        peers: b.peers.map((p) => ({ id: p.id, encryptionPublicKey: toBase64(p.encryptionPublicKey), maskingPublicKey: toBase64(p.maskingPublicKey) })),
        ...(b.graphSeed ? { graphSeed: toBase64(b.graphSeed) } : {}),
      });
    }
    this.dropOutside(new Set(broadcasts.keys()));
    onPhase('shares');
    if ((await this.waitStage([...broadcasts.keys()].map((p) => this.clientOf.get(p)!), this.sent.shares)) === 'aborted') return 'aborted';
    const deliveries = this.tryClose(() => this.server.closeShares());
    if (!deliveries) return 'failed';
    this.stage = 'mask';
    for (const [id, d] of deliveries) {
      this.send(id, {
        type: 'secagg.deliver', taskId: this.taskId, round: this.rs.round,
        shares: d.shares.map((s) => ({ from: s.from, ciphertext: toBase64(s.ciphertext) })),
      });
    }
    this.dropOutside(new Set(deliveries.keys()));
    onPhase('reporting');
    return this.rs.closed;
  }

  /**
   * Closes the upload, asks the survivors for their shares, and removes the masks from the sum.
   * Throws a PrivacyError (SECAGG_TOO_FEW_SURVIVORS, …) when the sum cannot be opened.
   */
  async unmask(onPhase: (phase: RoundPhase) => void): Promise<SecureSum> {
    const request = this.server.closeMaskedInputs();
    this.stage = 'unmask';
    onPhase('unmasking');
    for (const id of request.survivors) this.send(id, { type: 'secagg.unmask', taskId: this.taskId, round: this.rs.round, survivors: request.survivors });
    await this.waitStage(request.survivors.map((p) => this.clientOf.get(p)!), this.sent.reveal);
    const result = await this.server.finish();
    this.stage = 'done';
    const survivors = result.survivors.length;
    if (this.dp) {
      const values = decodeFixedPointSum(result.sum.subarray(0, this.valuesLength), this.codec, survivors);
      const sum = values.subarray(0, this.modelLength);
      const count = this.dp.countNoiseStd === null ? {} : { noisedUnclippedCount: values[this.modelLength]! };
      return { sum, mean: sum, totalWeight: result.sum[this.valuesLength]!, survivors, ...count };
    }
    const { mean, totalWeight } = decodeWeightedMean(result.sum, this.codec, survivors);
    checkSecureWeight(totalWeight, result.survivors.map((p) => this.declared.get(this.clientOf.get(p)!) ?? 0));
    return { mean, sum: mean, totalWeight, survivors };
  }

  /**
   * Hands the unmasked result to the strategy: FedAvg and the server optimisers take the weighted
   * mean as one pre-aggregated report; a strategy that finishes secure sums (DP-FedAvg) takes the noised sum and applies its fixed
   * denominator (the clients added the noise, the server adds none).
   */
  static finish(strategy: Strategy, aggregation: FitAggregation, global: Float32Array, result: SecureSum, failures: readonly FitFailure[]): Float32Array | null {
    if (hasSecureSumFinishing(strategy)) return strategy.finishNoisedSum(global, result.sum, result.noisedUnclippedCount);
    if (result.totalWeight === 0) return null;
    // The mean stands for `survivors` reports (the strategy's minReports counts them): the example-
    // weighted mean of identical vectors is that vector, whatever weights they carry.
    const update = Float32Array.from(result.mean);
    const share = Math.max(1, Math.round(result.totalWeight / result.survivors));
    for (let k = 0; k < result.survivors; k++) aggregation.add({ clientId: `secure-aggregate-${k}`, numExamples: share, update, metrics: {} });
    return aggregation.finish(failures);
  }

  private partyOf(clientId: string): number {
    const id = this.party.get(clientId);
    if (id === undefined) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${clientId} is not in this secure round`);
    return id;
  }

  /** Runs a server step for a message of `stage`, turning its refusals into coded wire errors. */
  private accept(stage: Stage, arrived: Set<number> | null, id: number, step: () => void): void {
    if (this.stage !== stage) throw new FlotillaError(ErrorCodes.SECAGG_REJECTED, `secure aggregation is at stage ${this.stage}, not ${stage}`);
    try {
      step();
    } catch (err) {
      if (isPrivacyError(err)) throw new FlotillaError(ErrorCodes.SECAGG_REJECTED, err.message);
      throw err;
    }
    arrived?.add(id);
    this.poke();
  }

  private tryClose<T>(close: () => T): T | null {
    try {
      return close();
    } catch (err) {
      if (isPrivacyError(err)) {
        this.failure = err.message;
        return null;
      }
      throw err;
    }
  }

  /** Why the round could not proceed (set when `collect` returns 'failed'). */
  failure: string | null = null;

  /** Selected clients left out of a stage's set missed its deadline: dropouts of the round. */
  private dropOutside(alive: ReadonlySet<number>): void {
    for (const [clientId, p] of this.party) {
      if (!alive.has(p) && !this.rs.isSettled(clientId)) this.rs.addFailure(clientId, 'deadline');
    }
  }

  /** Waits until every expected client that is still here has sent, the stage deadline, or an abort. */
  private waitStage(expected: readonly string[], got: Set<number>): Promise<'done' | 'deadline' | 'aborted'> {
    return new Promise((resolve) => {
      const finish = (how: 'done' | 'deadline' | 'aborted') => {
        clearTimeout(timer);
        this.poke = () => {};
        resolve(how);
      };
      const timer = setTimeout(() => finish('deadline'), this.spec.stageDeadlineMs);
      this.poke = () => {
        if (expected.every((c) => this.gone.has(c) || got.has(this.party.get(c)!))) finish('done');
      };
      void this.rs.closed.then((reason) => reason === 'aborted' && finish('aborted'));
      this.poke();
    });
  }

  private send(party: number, message: object): void {
    this.deps.registry.get(this.clientOf.get(party)!)?.send(message);
  }
}
