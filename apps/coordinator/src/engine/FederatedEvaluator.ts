// Federated evaluation of a task (issue #12 part 5): after round 0 and every k-th committed round,
// a seeded sample of the task's connected clients evaluates the new global model on its held-out
// split; the reports are checked, summarised (weighted metrics and their spread over clients),
// stored once per round and published. It runs between fit rounds, so no asked client is
// training (every fit plan of the round has ended): evaluation never competes with training for a
// client's model, and its own deadline bounds how long it holds the next round back.

import { createRng, shuffleInPlace } from '@flotilla/core';
import { Value } from '@sinclair/typebox/value';
import { DEFAULT_MAX_EXAMPLES_PER_CLIENT, ErrorCodes, FederatedEvaluationSpec, FlotillaError, taskSchema, type EvaluatePlan, type EvaluationReport, type TaskConfig } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { EngineDeps } from './deps.ts';
import { FederatedEvaluation } from './FederatedEvaluation.ts';
import { federatedMetric, summariseEvaluation, type ClientEvaluation, type FederatedSummary } from './federatedSummary.ts';
import { selectionSeed } from './selectionSeed.ts';
import { personalSummary, personalizationOf } from './personalLayout.ts';
import { summarisePersonalization } from './personalizationSummary.ts';

/**
 * How many of `connected` clients an evaluation asks: ⌈fraction · connected⌉, at least
 * `minClients`, at most everyone connected.
 * @example evaluationSampleSize(10, 0.25, 3) // 3
 */
export function evaluationSampleSize(connected: number, fraction: number, minClients: number): number {
  return Math.min(connected, Math.max(minClients, Math.ceil(fraction * connected)));
}

/**
 * Most examples a client that announced `announced` examples can hold out at `fraction`: it
 * announced its training part n − t, or its whole partition n, where t = round(n · fraction) and
 * fraction ≤ ½, so t ≤ announced · fraction / (1 − fraction) + 1. Unannounced: no bound here.
 * @example heldOutLimit(80, 0.2) // 21
 */
export function heldOutLimit(announced: number | null, fraction: number): number {
  if (announced === null || !(fraction > 0 && fraction < 1)) return Number.POSITIVE_INFINITY;
  return Math.ceil((announced * fraction) / (1 - fraction)) + 1;
}

/**
 * @example
 * const evaluator = new FederatedEvaluator(deps, task.id, task.config);
 * if (evaluator.due(round)) await evaluator.run(round, version, () => runner.state === 'running');
 */
export class FederatedEvaluator {
  /** The evaluation in flight, if any. */
  current: FederatedEvaluation | null = null;
  private aborted = false;
  /** The task's settings with the schema's defaults for any it left out (however the config was built). */
  private readonly spec: FederatedEvaluationSpec | null;

  /** `admissible`: which connected clients may be asked (the task's example-count rule, as for fit selection). */
  constructor(
    private readonly deps: EngineDeps, private readonly taskId: string, private readonly config: TaskConfig,
    private readonly admissible: (client: ConnectedClient) => boolean = () => true,
  ) {
    const given = config.evaluation?.federated;
    this.spec = given ? Value.Default(FederatedEvaluationSpec, structuredClone(given)) as FederatedEvaluationSpec : null;
  }

  get enabled(): boolean {
    return this.spec?.enabled === true;
  }

  /** Is the model committed in `round` to be evaluated and not evaluated yet (a restart never redoes one)? */
  due(round: number): boolean {
    const spec = this.spec;
    if (!spec?.enabled) return false;
    if (round !== 0 && round % spec.everyRounds !== 0) return false;
    return this.deps.store.getEvaluation(this.taskId, round) === null;
  }

  /**
   * Asks clients to evaluate the model of `round` (version `modelVersion`), waits for their
   * answers or the deadline, stores and publishes the summary. Returns null when the evaluation
   * was aborted (a stop, a shutdown) or nobody could be asked; nothing is stored then, so it runs
   * again after a restart.
   */
  async run(round: number, modelVersion: number, keepGoing: () => boolean): Promise<FederatedSummary | null> {
    const spec = this.spec!;
    this.aborted = false;
    const schema = taskSchema(this.config.data);
    // Round 0 starts with the task, often before its clients connect: wait for enough of them (at
    // most one deadline's time), then give those asked a whole deadline to answer.
    const waitUntil = Date.now() + spec.deadlineMs;
    while (this.eligible().length < spec.minClients && Date.now() < waitUntil && keepGoing() && !this.aborted) {
      await this.deps.registry.nextChange(Math.min(500, Math.max(1, waitUntil - Date.now())));
    }
    if (!keepGoing() || this.aborted) return null;
    const deadline = Date.now() + spec.deadlineMs;
    const asked = this.sample(round, spec.fractionClients, spec.minClients);
    if (asked.length === 0) return null;
    const ev = new FederatedEvaluation(this.taskId, round, modelVersion, new Set(asked.map((c) => c.id)), deadline, {
      schema, maxExamples: this.config.limits.maxExamplesPerClient ?? DEFAULT_MAX_EXAMPLES_PER_CLIENT,
    });
    this.current = ev;
    this.deps.bus.publish('evaluation.started', this.taskId, { round, modelVersion, asked: asked.length, deadline });
    const plan: EvaluatePlan = {
      type: 'evaluate.plan', taskId: this.taskId, round, modelVersion, model: this.config.model, schema,
      weightsUrl: this.deps.weightsPath(this.taskId, modelVersion), deadline, ...personalSummary(this.config),
    };
    for (const client of asked) if (!client.send(plan)) ev.fail(client.id, 'disconnected', null);
    const reason = await ev.closed;
    this.current = null;
    if (reason === 'aborted') return null;
    const summary = withPersonalization(summariseEvaluation([...ev.reports.values()], {
      round, modelVersion, asked: asked.length, failed: ev.failures.size, metric: federatedMetric(schema),
    }), [...ev.reports.values()], this.config);
    this.deps.store.putEvaluation({
      taskId: this.taskId, round, modelVersion, startedAt: ev.startedAt, endedAt: Date.now(), summary, clients: ev.clientRecords(),
    });
    this.deps.bus.publish('evaluation.completed', this.taskId, { ...summary });
    return summary;
  }

  /** An `evaluation` from a client; throws a FlotillaError for the socket to answer. */
  accept(client: ConnectedClient, report: EvaluationReport): void {
    const ev = this.current;
    if (!ev) throw new FlotillaError(ErrorCodes.STALE_ROUND, `no evaluation of round ${report.round} is open`);
    // Bounded by what the client announced, as a fit report is: a claim of the task's whole cap would outweigh every honest client.
    const accepted = ev.accept(client.id, report, heldOutLimit(client.numExamples, this.config.data.clientTestFraction ?? 0));
    this.deps.bus.publish('evaluation.report', this.taskId, {
      round: ev.round, clientId: client.id, numExamples: accepted.numExamples, ...accepted.metrics,
      reported: ev.reports.size, asked: ev.asked.size,
    });
  }

  /** An `evaluate.failed` from a client: it answered, without a report. */
  failed(clientId: string, round: number, code: string): void {
    const ev = this.current;
    if (ev?.round === round && ev.fail(clientId, 'failed', code)) {
      this.deps.bus.publish('client.error', this.taskId, { round, clientId, outcome: 'evaluation-failed', code });
    }
  }

  clientLeft(clientId: string): void {
    this.current?.fail(clientId, 'disconnected', null);
  }

  abort(): void {
    this.aborted = true;
    this.current?.close('aborted');
  }

  private eligible(): ConnectedClient[] {
    return this.deps.registry.eligibleFor(this.taskId, this.deps.isActiveTask(this.taskId)).filter(this.admissible);
  }

  // Seeded like fit selection (secret under client-level DP), but from its own stream: who
  // evaluates a round is not who trains the next one.
  private sample(round: number, fraction: number, minClients: number): ConnectedClient[] {
    const eligible = this.eligible().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const order = shuffleInPlace(Uint32Array.from(eligible.keys()), createRng((selectionSeed(this.config, round) ^ 0x5eed_e7a1) >>> 0));
    return [...order.subarray(0, evaluationSampleSize(eligible.length, fraction, minClients))].map((i) => eligible[i]!);
  }
}

/** A personalised task's summary also compares its clients' personal models with the global one. */
function withPersonalization(summary: FederatedSummary, reports: ClientEvaluation[], config: TaskConfig): FederatedSummary {
  const spec = personalizationOf(config);
  if (!spec || spec.mode === 'none') return summary;
  return { ...summary, personalization: summarisePersonalization(reports, spec.mode, summary.metric) };
}
