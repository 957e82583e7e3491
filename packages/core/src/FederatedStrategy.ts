// One Strategy implementation composed of a sampling plan, an update reducer and a server rule.
import { AggregationError } from './errors.ts';
import { weightedEvaluation } from './evaluation.ts';
import type { CenteredClipMemory } from './CenteredClipMemory.ts';
import { assertExampleCount, assertLength } from './preconditions.ts';
import type { Rng } from './random.ts';
import { planFit } from './sampling.ts';
import type { ServerOptimizer } from './ServerOptimizer.ts';
import type { CommonStrategyConfig, FitAggregation, MeanUpdateStep, Strategy, StrategyName } from './Strategy.ts';
// A cycle (the registry builds this class), safe: the registry is read when a method runs, never at load.
import { STRATEGIES } from './strategyRegistry.ts';
import type { ReducerFactory, UpdateReducer } from './updateReducers.ts';
import type { ClientInfo, EvaluateResult, FitFailure, FitInstructions, FitResult } from './types.ts';
import { findNonFinite } from './vectors.ts';

/** The parts `createStrategy` assembles; strategies differ only in these. */
export interface StrategyParts {
  name: StrategyName;
  common: CommonStrategyConfig;
  proximalMu: number;
  reducer: ReducerFactory;
  optimizer: ServerOptimizer;
  /** State a stateful reducer keeps between rounds (centered clipping's centre), checkpointed with the moments. */
  memory?: CenteredClipMemory;
}

/**
 * Every built-in strategy is this class with different parts, so FedAdam and FedAvgM share
 * sampling and bookkeeping instead of copying them. Build one with `createStrategy`.
 * @example
 * const strategy = createStrategy({ name: 'fedavgm', serverMomentum: 0.9 }); // a FederatedStrategy
 */
export class FederatedStrategy implements Strategy, MeanUpdateStep {
  readonly name: StrategyName;
  readonly config: Readonly<CommonStrategyConfig>;
  readonly #parts: StrategyParts;

  constructor(parts: StrategyParts) {
    this.name = parts.name;
    this.config = Object.freeze({ ...parts.common });
    this.#parts = parts;
  }

  configureFit(_round: number, available: readonly ClientInfo[], rng: Rng): FitInstructions | null {
    return planFit(this.config, available, rng, this.#parts.proximalMu);
  }

  beginAggregation(_round: number, global: Float32Array): FitAggregation {
    this.#parts.optimizer.assertModelLength(global.length);
    this.#parts.memory?.assertModelLength(global.length);
    const { reducer, optimizer } = this.#parts;
    return new RoundAggregation(global, reducer(global.length), optimizer, this.config.minReports);
  }

  /**
   * The server rule applied to a mean formed elsewhere (DP-FedAvg's noised mean). A robust rule
   * has no meaning on a mean: it throws AGGREGATION_INVALID_CONFIG.
   */
  applyMeanUpdate(global: Float32Array, meanDelta: Float32Array): Float32Array {
    if (STRATEGIES[this.name].needsEveryUpdate) {
      throw new AggregationError('AGGREGATION_INVALID_CONFIG', `${this.name} combines individual updates, not their mean`);
    }
    const bad = findNonFinite(meanDelta);
    if (bad !== -1) throw new AggregationError('AGGREGATION_NON_FINITE', `mean update is not finite at ${bad}`);
    return this.#parts.optimizer.step(global, meanDelta);
  }

  aggregateEvaluate(results: readonly EvaluateResult[]): { loss: number; accuracy: number } | null {
    return weightedEvaluation(results);
  }

  exportState(): Record<string, Float32Array> {
    return { ...this.#parts.optimizer.exportState(), ...this.#parts.memory?.exportState() };
  }

  importState(state: Record<string, Float32Array>): void {
    const { memory, optimizer } = this.#parts;
    if (!memory) return optimizer.importState(state);
    const own = (k: string) => memory.stateKeys.includes(k);
    const pick = (keep: boolean) => Object.fromEntries(Object.entries(state).filter(([k]) => own(k) === keep));
    optimizer.importState(pick(false));
    memory.importState(pick(true));
  }
}

class RoundAggregation implements FitAggregation {
  readonly #global: Float32Array;
  readonly #reducer: UpdateReducer;
  readonly #optimizer: ServerOptimizer;
  readonly #minReports: number;
  readonly #clients = new Set<string>();
  #finished = false;

  constructor(global: Float32Array, reducer: UpdateReducer, optimizer: ServerOptimizer, minReports: number) {
    this.#global = global;
    this.#reducer = reducer;
    this.#optimizer = optimizer;
    this.#minReports = minReports;
  }

  add(result: FitResult): void {
    this.#assertOpen();
    if (this.#clients.has(result.clientId)) {
      throw new AggregationError('AGGREGATION_PRECONDITION', `duplicate report from ${result.clientId}`);
    }
    assertLength(result.update.length, this.#global.length, `update from ${result.clientId}`);
    assertExampleCount(result.numExamples);
    const bad = findNonFinite(result.update);
    if (bad !== -1) {
      throw new AggregationError('AGGREGATION_NON_FINITE', `update from ${result.clientId} is not finite at ${bad}`);
    }
    this.#reducer.add(result.update, result.numExamples, result.localSteps);
    this.#clients.add(result.clientId);
  }

  finish(_failures: readonly FitFailure[]): Float32Array | null {
    this.#assertOpen();
    this.#finished = true;
    if (this.#reducer.count < Math.max(this.#minReports, this.#reducer.minimumReports)) return null;
    return this.#optimizer.step(this.#global, this.#reducer.result());
  }

  #assertOpen(): void {
    if (this.#finished) {
      throw new AggregationError('AGGREGATION_PRECONDITION', 'aggregation already finished');
    }
  }
}
