// Device-aware local work (issue #13 item 3): how many local steps each selected client is asked
// for, how strongly selection prefers clients likely to finish, and the steps each update is
// normalised by (FedNova).

import { ErrorCodes, FlotillaError, type RoundPlan, type TaskConfig, type Update, type WorkSpec } from '@flotilla/protocol';
import { SpeedEstimates, type SpeedEstimate } from './speedEstimates.ts';

/** What the planner needs of a task: its work spec, local plan and round deadline. */
export interface WorkSettings {
  work: WorkSpec;
  epochs: number;
  batchSize: number;
  roundDeadlineMs: number;
}

/** A selected client, as the planner sees it. */
export interface WorkClient {
  id: string;
  numExamples: number | null;
  device: { examplesPerSec?: number };
}

/**
 * The least selection weight of a client predicted to miss the deadline: it is drawn a tenth as
 * often as one predicted to finish, never never, so its speed estimate can recover and its data
 * still counts (a slow device's data would otherwise vanish from the model).
 */
export const MIN_SELECTION_WEIGHT = 0.1;

/** Steps of `epochs` full passes over n examples in batches of B: fixed work's τ. */
export function fullSteps(epochs: number, batchSize: number, numExamples: number): number {
  return epochs * Math.ceil(numExamples / batchSize);
}

/**
 * The local steps a client can do within `deadlineFraction` of the time left in the round, minus
 * its measured overhead, clamped to [minSteps, epochs × ⌈n/B⌉]. Without any speed estimate it
 * is asked for the full work (and may stop early under `acceptPartial`).
 * @example plannedSteps(settings, 600, { examplesPerSec: 100, overheadMs: 0, observed: true }, 10_000); // 80: 8 s at 100 ms a step, when epochs × 60 allows it
 */
export function plannedSteps(s: WorkSettings, numExamples: number, estimate: SpeedEstimate | undefined, timeLeftMs: number): number {
  const full = fullSteps(s.epochs, s.batchSize, numExamples);
  if (!estimate) return full;
  const budgetMs = s.work.deadlineFraction * timeLeftMs - estimate.overheadMs;
  const perStep = Math.min(s.batchSize, numExamples) / estimate.examplesPerSec * 1000;
  const steps = Math.floor(budgetMs / perStep);
  return Math.max(Math.min(s.work.minSteps, full), Math.min(full, steps));
}

/**
 * `likelyToFinish`'s weight: the share of its full work a client is predicted to finish within
 * the budget, between MIN_SELECTION_WEIGHT and 1; 1 without an estimate (unknown clients are tried).
 * @example selectionWeight(settings, 600, { examplesPerSec: 10, overheadMs: 0, observed: true }); // 0.1: 60 s of work in an 8 s budget
 */
export function selectionWeight(s: WorkSettings, numExamples: number, estimate: SpeedEstimate | undefined): number {
  if (!estimate) return 1;
  const needMs = estimate.overheadMs + fullSteps(s.epochs, s.batchSize, numExamples) * Math.min(s.batchSize, numExamples) / estimate.examplesPerSec * 1000;
  const budgetMs = s.work.deadlineFraction * s.roundDeadlineMs;
  return Math.max(MIN_SELECTION_WEIGHT, Math.min(1, budgetMs / needMs));
}

/** The task's work settings; absent `fit.work` (stored tasks) is fixed work. */
export function workSettings(config: TaskConfig): WorkSettings {
  const work = config.fit.work ?? { kind: 'fixed', deadlineFraction: 0.8, minSteps: 1, acceptPartial: true, selection: 'uniform' };
  return { work, epochs: config.fit.epochs, batchSize: config.fit.batchSize, roundDeadlineMs: config.stop.roundDeadlineMs };
}

/**
 * One task's work planner: binds each client's plan, weighs selection, checks and records the
 * steps each update reports, and learns each client's speed from its finished rounds.
 * @example
 * const work = new WorkPlanner(config);
 * client.send(work.bindPlan(plan, client, deadline));
 * const localSteps = work.accept(client, update); // the τ to normalise by
 */
export class WorkPlanner {
  readonly settings: WorkSettings;
  readonly speeds = new SpeedEstimates();
  /** The round in flight: when each plan left and the steps it asked for. */
  private readonly sent = new Map<string, { at: number; round: number; steps: number | null }>();

  constructor(config: TaskConfig, private readonly now: () => number = Date.now) {
    this.settings = workSettings(config);
  }

  get adaptive(): boolean {
    return this.settings.work.kind === 'adaptive';
  }

  /** The selection weight for `likelyToFinish`, as a ClientInfo field; empty under uniform selection. */
  selectionOf(client: WorkClient): { selectionWeight?: number } {
    if (this.settings.work.selection !== 'likelyToFinish' || client.numExamples === null) return {};
    return { selectionWeight: selectionWeight(this.settings, client.numExamples, this.speeds.estimate(client.id, client.device.examplesPerSec)) };
  }

  /** The plan this client receives: with its own `localSteps` and `acceptPartial` under adaptive work. */
  bindPlan(plan: RoundPlan, client: WorkClient): RoundPlan {
    const at = this.now();
    if (!this.adaptive || client.numExamples === null) {
      this.sent.set(client.id, { at, round: plan.round, steps: null });
      return plan;
    }
    const estimate = this.speeds.estimate(client.id, client.device.examplesPerSec);
    const steps = plannedSteps(this.settings, client.numExamples, estimate, plan.deadline - at);
    this.sent.set(client.id, { at, round: plan.round, steps });
    return { ...plan, fit: { ...plan.fit, localSteps: steps, acceptPartial: this.settings.work.acceptPartial } };
  }

  /** A selected client missed the round's deadline: its speed is bounded by the work it was given. */
  missedDeadline(clientId: string, round: number, numExamples: number | null, deadline: number): void {
    const sent = this.sent.get(clientId);
    if (!sent || sent.round !== round || numExamples === null) return;
    const steps = sent.steps ?? fullSteps(this.settings.epochs, this.settings.batchSize, numExamples);
    this.speeds.slowerThan(clientId, (steps * Math.min(this.settings.batchSize, numExamples)) / (Math.max(1, deadline - sent.at) / 1000));
  }

  /** The steps this client was asked for in the round in flight (its full work under fixed work). */
  plannedFor(clientId: string, numExamples: number): number {
    return this.sent.get(clientId)?.steps ?? fullSteps(this.settings.epochs, this.settings.batchSize, numExamples);
  }

  /**
   * Checks an update's reported steps against its plan and learns the client's speed from it;
   * returns τ (the planned steps when an older client reports none). Throws SCHEMA_VIOLATION for
   * more steps than planned, which would let a client shrink its own normalisation.
   */
  accept(clientId: string, update: Update): { planned: number; localSteps: number } {
    const planned = this.plannedFor(clientId, update.numExamples);
    const localSteps = update.localSteps ?? planned;
    if (localSteps > planned) {
      throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, `update reports ${localSteps} local steps, the plan asked for at most ${planned}`);
    }
    if (localSteps === 0 && update.localSteps !== undefined) {
      throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, 'update reports 0 local steps: there is no work to aggregate');
    }
    const sent = this.sent.get(clientId);
    if (sent && sent.round === update.round) {
      const examplesTrained = update.localSteps === undefined
        ? this.settings.epochs * update.numExamples
        : localSteps * Math.min(this.settings.batchSize, update.numExamples);
      this.speeds.observe(clientId, { examplesTrained, trainMs: update.metrics.trainMs, wallMs: this.now() - sent.at });
    }
    return { planned, localSteps };
  }
}
