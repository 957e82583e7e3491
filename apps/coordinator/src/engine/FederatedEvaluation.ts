// One federated evaluation in flight (Flower's configure_evaluate / aggregate_evaluate): which
// clients were asked to evaluate a committed model version on their held-out split, what each
// answered, and when it ends (everyone answered, the deadline passed, or it was aborted).

import { ErrorCodes, FlotillaError, type DataSchema, type EvaluationReport } from '@flotilla/protocol';
import type { EvaluationClientRecord } from '../store/Store.ts';
import { requiredMetrics, type ClientEvaluation } from './federatedSummary.ts';

export type EvaluationCloseReason = 'settled' | 'deadline' | 'aborted';

/** What a report is checked against besides the plan it answers. */
export interface EvaluationRules {
  schema: DataSchema;
  /** The task's `limits.maxExamplesPerClient`: no client holds out more than it may hold. */
  maxExamples: number;
}

/**
 * @example
 * const ev = new FederatedEvaluation(taskId, 3, 3, new Set(['a', 'b']), Date.now() + 30_000, rules);
 * ev.accept('a', report); await ev.closed;
 */
export class FederatedEvaluation {
  readonly startedAt = Date.now();
  readonly reports = new Map<string, ClientEvaluation>();
  readonly failures = new Map<string, { outcome: Exclude<EvaluationClientRecord['outcome'], 'reported'>; code: string | null }>();
  readonly closed: Promise<EvaluationCloseReason>;
  private reason: EvaluationCloseReason | null = null;
  private resolveClose!: (reason: EvaluationCloseReason) => void;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    readonly taskId: string,
    readonly round: number,
    readonly modelVersion: number,
    readonly asked: ReadonlySet<string>,
    readonly deadline: number,
    private readonly rules: EvaluationRules,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClose = resolve));
    this.timer = setTimeout(() => this.close('deadline'), Math.max(0, deadline - Date.now()));
    if (asked.size === 0) this.close('settled');
  }

  get isOpen(): boolean {
    return this.reason === null;
  }

  isSettled(clientId: string): boolean {
    return this.reports.has(clientId) || this.failures.has(clientId);
  }

  /**
   * A client's report. Throws a FlotillaError for the socket to answer when it does not answer
   * this evaluation's plan or is not a valid evaluation; an invalid one settles the client (it
   * counts as rejected), a stale or unasked one changes nothing.
   */
  accept(clientId: string, report: EvaluationReport, maxExamples = this.rules.maxExamples): ClientEvaluation {
    if (!this.isOpen || report.round !== this.round) throw new FlotillaError(ErrorCodes.STALE_ROUND, `no evaluation of round ${report.round} is open`);
    if (!this.asked.has(clientId)) throw new FlotillaError(ErrorCodes.NOT_SELECTED, `client ${clientId} was not asked to evaluate round ${this.round}`);
    if (this.isSettled(clientId)) throw new FlotillaError(ErrorCodes.DUPLICATE_REPORT, `client ${clientId} already answered the evaluation of round ${this.round}`);
    if (report.modelVersion !== this.modelVersion) {
      throw new FlotillaError(ErrorCodes.STALE_ROUND, `evaluated model ${report.modelVersion}, the evaluation is of model ${this.modelVersion}`);
    }
    try {
      this.check(report, Math.min(maxExamples, this.rules.maxExamples));
    } catch (err) {
      this.fail(clientId, 'rejected', (err as FlotillaError).code);
      throw err;
    }
    const evaluation: ClientEvaluation = {
      clientId, numExamples: report.numExamples, metrics: report.metrics,
      ...(report.personal ? { personal: report.personal } : {}), ...(report.localOnly ? { localOnly: report.localOnly } : {}),
    };
    this.reports.set(clientId, evaluation);
    this.checkDone();
    return evaluation;
  }

  /** An asked client could not evaluate (`evaluate.failed`), left, or sent an invalid report. */
  fail(clientId: string, outcome: 'failed' | 'disconnected' | 'rejected', code: string | null): boolean {
    if (!this.isOpen || !this.asked.has(clientId) || this.isSettled(clientId)) return false;
    this.failures.set(clientId, { outcome, code });
    this.checkDone();
    return true;
  }

  close(reason: EvaluationCloseReason): void {
    if (this.reason) return;
    this.reason = reason;
    clearTimeout(this.timer);
    for (const id of this.asked) if (!this.isSettled(id)) this.failures.set(id, { outcome: 'deadline', code: null });
    this.resolveClose(reason);
  }

  clientRecords(): EvaluationClientRecord[] {
    const reported = [...this.reports.values()].map((r) => ({
      clientId: r.clientId, outcome: 'reported' as const, code: null, numExamples: r.numExamples, metrics: r.metrics,
    }));
    const failed = [...this.failures].map(([clientId, f]) => ({ clientId, outcome: f.outcome, code: f.code, numExamples: null, metrics: null }));
    return [...reported, ...failed];
  }

  private check(report: EvaluationReport, maxExamples: number): void {
    if (report.numExamples > maxExamples) {
      throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT, `${report.numExamples} held-out examples exceed the ${maxExamples} this client can hold out`);
    }
    // A personal or local-only model's metrics are checked like the global model's.
    const sets = [['', report.metrics], ['personal ', report.personal], ['local-only ', report.localOnly]] as const;
    for (const [which, metrics] of sets) {
      if (!metrics) continue;
      for (const [name, value] of Object.entries(metrics)) {
        if (!Number.isFinite(value)) throw new FlotillaError(ErrorCodes.NON_FINITE, `${which}metric ${name} is not a finite number`);
      }
      const missing = requiredMetrics(this.rules.schema).filter((m) => metrics[m] === undefined);
      if (missing.length > 0) {
        throw new FlotillaError(ErrorCodes.EVALUATION_METRICS, `a ${this.rules.schema.kind} task's ${which}evaluation needs ${missing.join(' and ')}`);
      }
    }
  }

  private checkDone(): void {
    if (this.reports.size + this.failures.size >= this.asked.size) this.close('settled');
  }
}
