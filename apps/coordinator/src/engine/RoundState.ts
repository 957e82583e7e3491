// Bookkeeping of one round in flight: who was selected, who reported, who dropped out, and when
// the round may close (goal reached, everyone settled, deadline passed, or aborted).

import type { RoundPhase } from '@flotilla/protocol';
import type { ClientOutcome, RoundClientRecord } from '../store/Store.ts';

export type { RoundPhase };
export type CloseReason = 'goal' | 'settled' | 'deadline' | 'aborted';

/** Under secure aggregation a report is a masked vector: its example count and loss stay unknown. */
interface Report {
  numExamples: number | null;
  trainLoss: number | null;
  /** Local steps asked for and done (device-aware work); absent under secure aggregation. */
  plannedSteps?: number;
  localSteps?: number;
}
interface Failure { outcome: Exclude<ClientOutcome, 'reported'>; code: string | null }

export class RoundState {
  phase: RoundPhase = 'selection';
  bytesUp = 0;
  bytesDown = 0;
  /** Bytes each client's socket carried up and the weights route served it in this round. */
  private readonly bytesOf = new Map<string, { up: number; down: number }>();
  readonly startedAt = Date.now();
  readonly reports = new Map<string, Report>();
  readonly failures = new Map<string, Failure>();
  readonly closed: Promise<CloseReason>;
  private closeReason: CloseReason | null = null;
  private resolveClose!: (reason: CloseReason) => void;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    readonly taskId: string,
    readonly round: number,
    readonly modelVersion: number,
    readonly selected: ReadonlySet<string>,
    readonly goal: number,
    readonly deadline: number,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClose = resolve));
    this.timer = setTimeout(() => this.close('deadline'), Math.max(0, deadline - Date.now()));
  }

  get isOpen(): boolean {
    return this.closeReason === null;
  }

  /** Has this client already reported or failed in this round? */
  isSettled(clientId: string): boolean {
    return this.reports.has(clientId) || this.failures.has(clientId);
  }

  addReport(clientId: string, report: Report): void {
    this.reports.set(clientId, report);
    this.checkDone();
  }

  addFailure(clientId: string, outcome: Failure['outcome'], code: string | null = null): void {
    if (this.isSettled(clientId)) return;
    this.failures.set(clientId, { outcome, code });
    this.checkDone();
  }

  close(reason: CloseReason): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    clearTimeout(this.timer);
    // Whoever was selected and neither reported nor failed by now: missed the deadline, or was
    // still training when the goal was reached (over-selection's surplus, not a dropout).
    const unsettled: Failure['outcome'] = reason === 'deadline' ? 'deadline' : 'late';
    for (const id of this.selected) if (!this.isSettled(id)) this.failures.set(id, { outcome: unsettled, code: null });
    this.resolveClose(reason);
  }

  /** Dropouts: selected clients that disconnected or missed the deadline. */
  get dropped(): number {
    return this.countFailures((o) => o === 'disconnected' || o === 'deadline');
  }

  /** Failures: clients whose training failed or whose update was refused. */
  get failed(): number {
    return this.countFailures((o) => o === 'error' || o === 'rejected');
  }

  /** Counts bytes a client sent for this round (an update, a SecAgg message). */
  countUp(clientId: string, bytes: number): void {
    this.bytesUp += bytes;
    this.tally(clientId).up += bytes;
  }

  /** Counts model bytes served for this round; to a selected client when it said who it is. */
  countDown(clientId: string | null, bytes: number): void {
    this.bytesDown += bytes;
    if (clientId !== null && this.selected.has(clientId)) this.tally(clientId).down += bytes;
  }

  private tally(clientId: string): { up: number; down: number } {
    let t = this.bytesOf.get(clientId);
    if (!t) this.bytesOf.set(clientId, (t = { up: 0, down: 0 }));
    return t;
  }

  meanTrainLoss(): number | null {
    let total = 0;
    let examples = 0;
    for (const r of this.reports.values()) {
      if (r.numExamples === null || r.trainLoss === null) continue;
      total += r.trainLoss * r.numExamples;
      examples += r.numExamples;
    }
    return examples > 0 ? total / examples : null;
  }

  clientRecords(): RoundClientRecord[] {
    const bytes = (clientId: string) => ({ bytesUp: this.bytesOf.get(clientId)?.up ?? 0, bytesDown: this.bytesOf.get(clientId)?.down ?? 0 });
    const reported = [...this.reports].map(([clientId, r]) => ({
      clientId, outcome: 'reported' as const, code: null, numExamples: r.numExamples, trainLoss: r.trainLoss, ...bytes(clientId),
      ...(r.plannedSteps === undefined ? {} : { plannedSteps: r.plannedSteps }), ...(r.localSteps === undefined ? {} : { localSteps: r.localSteps }),
    }));
    const failed = [...this.failures].map(([clientId, f]) => ({ clientId, outcome: f.outcome, code: f.code, numExamples: null, trainLoss: null, ...bytes(clientId) }));
    return [...reported, ...failed];
  }

  /** Steps planned and done by each client that reported them (device-aware work). */
  workRecords(): { clientId: string; plannedSteps: number; localSteps: number }[] {
    return [...this.reports].flatMap(([clientId, r]) =>
      r.plannedSteps === undefined || r.localSteps === undefined ? [] : [{ clientId, plannedSteps: r.plannedSteps, localSteps: r.localSteps }]);
  }

  private countFailures(match: (o: Failure['outcome']) => boolean): number {
    let n = 0;
    for (const f of this.failures.values()) if (match(f.outcome)) n++;
    return n;
  }

  private checkDone(): void {
    if (this.reports.size >= this.goal) this.close('goal');
    else if (this.reports.size + this.failures.size >= this.selected.size) this.close('settled');
  }
}
