// The update-collector seam: how one commit's updates are gathered (in the clear, under secure
// aggregation, or — engineer A's — in a FedBuff buffer) behind one interface the runner drives.

import type { FitFailure, Strategy } from '@flotilla/core';
import type { DpSgdAccountant } from '@flotilla/privacy';
import type { NamedTensor, RoundPlan, TaskConfig, Update } from '@flotilla/protocol';
import type { ConnectedClient } from './ClientRegistry.ts';
import type { EngineDeps } from './deps.ts';
import type { ExampleCountRule } from './exampleCounts.ts';
import type { RoundPhase, RoundState } from './RoundState.ts';
import type { SecAggClientMessage } from './SecureRound.ts';
import type { PersonalLayout } from './personalLayout.ts';
import type { KeepUpdate } from '../contribution/ContributionTracker.ts';

/** How a failing client is recorded: a dropout (disconnected) or a failure (error, rejected). */
export type ClientFailure = 'disconnected' | 'error' | 'rejected';

/**
 * What a collector is given for one commit: the round's bookkeeping and the task's fixed parts.
 * The runner builds it; a collector never writes the runner's fields.
 */
export interface CollectorContext {
  readonly deps: EngineDeps;
  readonly taskId: string;
  readonly config: TaskConfig;
  readonly strategy: Strategy;
  /** Who was selected, who reported or failed, the deadline and the close of the upload. */
  readonly rs: RoundState;
  /** The global weights the commit starts from; left unmodified. */
  readonly global: Float32Array;
  /** The model's tensor shapes, which every update must match. */
  readonly shapes: number[][];
  /** FedPer / FedRep: an update carries the body's shapes only, and is expanded with zeros where the head is. */
  readonly personal?: PersonalLayout | null;
  /** What one client may claim as its example count. */
  readonly exampleCounts: ExampleCountRule;
  /** Sample-level DP-SGD's accountant: every update the coordinator sees is spent. Null without DP-SGD. */
  readonly sampleDp: DpSgdAccountant | null;
  /** Contribution assessment: each accepted clear update is handed here (and copied) before it is aggregated. */
  readonly keepUpdate?: KeepUpdate;
  /** A phase of the commit began (published to the dashboards). */
  onPhase(phase: RoundPhase): void;
  /**
   * A selected client failed: settles it in `rs`, counts a dropout or tells the dashboards, and
   * calls the collector's `left` so no stage waits for it. Idempotent per client.
   */
  recordFailure(clientId: string, outcome: ClientFailure, code: string | null): void;
}

/**
 * How the upload ended. `closed`: the goal was reached, everyone settled or the deadline passed
 * (the runner then checks `minReports` against `rs.reports`). `aborted`: an operator's stop or a
 * shutdown. `failed`: the round cannot go on (a SecAgg stage left too few clients); `reason` says why.
 */
export type UploadEnd =
  | { readonly kind: 'closed' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * What aggregating produced: the new global weights (not yet committed: the runner evaluates and
 * commits them), or why the model is kept (the error code first where there is one).
 */
export type Aggregated =
  | { readonly kind: 'aggregated'; readonly weights: Float32Array }
  | { readonly kind: 'failed'; readonly reason: string };

/** The registered ways of collecting; 'buffered': an asynchronous task's FedBuff buffer (AsyncLoop, not a per-round collector). */
export type CollectorKind = 'plain' | 'secure' | 'buffered';

/**
 * Gathers the updates of one commit and hands back their aggregate. The runner opens one per round
 * (FedBuff: per buffer), binds every plan through it, routes the sockets' messages to it, tells it
 * who left, awaits `upload`, records the dropouts, and asks for `aggregate`.
 * @example
 * const collector = openCollector(ctx);          // PlainCollector or SecureCollector, by the task
 * for (const id of rs.selected) registry.get(id)?.send(collector.bindPlan(planFor(id), id));
 * const upload = await collector.upload();       // closed | aborted | failed
 * const result = await collector.aggregate(failures); // { kind: 'aggregated', weights } | failed
 */
export interface UpdateCollector {
  readonly kind: CollectorKind;
  /** One client's plan with what this collector binds into it (SecAgg's block, DP-SGD's example count). */
  bindPlan(plan: RoundPlan, clientId: string): RoundPlan;
  /** A clear update; throws a FlotillaError for the socket to answer and never touches the model. */
  acceptUpdate(client: ConnectedClient, message: Update, tensors: NamedTensor[], bytes: number): void;
  /** A secure-aggregation message; throws a FlotillaError (STALE_ROUND where this collector takes none). */
  acceptSecAgg(client: ConnectedClient, message: SecAggClientMessage, words: Uint32Array | undefined, bytes: number): void;
  /** A selected client disconnected or failed: no stage waits for it any more. */
  left(clientId: string): void;
  /** Runs the upload (and whatever stages precede it) until it closes. */
  upload(): Promise<UploadEnd>;
  /** Combines what was collected through the strategy; `failures` are the commit's dropouts and refusals. */
  aggregate(failures: readonly FitFailure[]): Promise<Aggregated>;
}

/** One entry of the collector registry: when it applies to a task and how it opens. */
export interface CollectorEntry {
  readonly kind: CollectorKind;
  /** Does this task collect this way? Entries are asked in order; the first that applies opens. */
  applies(config: TaskConfig): boolean;
  /** Opens the collector for one commit; throws an Error whose message says why the round cannot run. */
  open(ctx: CollectorContext): UpdateCollector;
}
