// Dashboard state and how events change it. REST gives the snapshot (tasks, rounds, clients);
// events move it forward between snapshots so the screen follows the federation live.

import type { ContributionRoundView } from '@flotilla/protocol';
import type { ClientView, CurrentBuffer, FederatedSummary, RoundSummary, TaskView } from './api.ts';
import type { FeedEvent } from './eventFeed.ts';

export interface LogEntry {
  key: string;
  at: number;
  type: string;
  taskId: string | null;
  text: string;
  code: string | null;
}

export interface DashboardState {
  tasks: Record<string, TaskView>;
  taskOrder: string[];
  rounds: Record<string, RoundSummary[]>;
  /** Federated evaluations by task, by round (round 0 included: the initial model). */
  evaluations: Record<string, FederatedSummary[]>;
  /** Contribution valuations by task as `contribution.round` events bring them (the panel merges them into its REST view). */
  contributionRounds: Record<string, ContributionRoundView[]>;
  /** The valuation in flight per task (`contribution.progress`), or the last one's failure (`contribution.failed`); null once valued. */
  contributionActivity: Record<string, ContributionActivity | null>;
  clients: ClientView[];
  log: LogEntry[];
}

/** A round's valuation in progress, or why it failed (the round's model was committed all the same). */
export type ContributionActivity =
  | { kind: 'valuing'; round: number; evaluations: number; players: number; method: string }
  | { kind: 'failed'; round: number; code: string; reason: string };

export const initialState: DashboardState = {
  tasks: {}, taskOrder: [], rounds: {}, evaluations: {}, contributionRounds: {}, contributionActivity: {}, clients: [], log: [],
};

export type Action =
  | { type: 'tasks'; tasks: TaskView[] }
  | { type: 'task'; task: TaskView }
  | { type: 'rounds'; taskId: string; rounds: RoundSummary[] }
  | { type: 'evaluations'; taskId: string; evaluations: FederatedSummary[] }
  | { type: 'clients'; clients: ClientView[] }
  | { type: 'events'; events: FeedEvent[] };

const LOG_LIMIT = 500;

export function reducer(state: DashboardState, action: Action): DashboardState {
  switch (action.type) {
    case 'tasks': {
      const tasks: Record<string, TaskView> = {};
      for (const t of action.tasks) tasks[t.id] = t;
      return { ...state, tasks, taskOrder: action.tasks.map((t) => t.id) };
    }
    case 'task': {
      const known = state.taskOrder.includes(action.task.id);
      return { ...state, tasks: { ...state.tasks, [action.task.id]: action.task }, taskOrder: known ? state.taskOrder : [...state.taskOrder, action.task.id] };
    }
    case 'rounds':
      return { ...state, rounds: { ...state.rounds, [action.taskId]: mergeRounds(state.rounds[action.taskId] ?? [], action.rounds) } };
    case 'evaluations':
      return { ...state, evaluations: { ...state.evaluations, [action.taskId]: mergeEvaluations(state.evaluations[action.taskId] ?? [], action.evaluations) } };
    case 'clients':
      return { ...state, clients: action.clients };
    case 'events':
      return action.events.reduce(applyEvent, state);
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function mergeRounds(existing: RoundSummary[], incoming: RoundSummary[]): RoundSummary[] {
  const byRound = new Map(existing.map((r) => [r.round, r]));
  for (const r of incoming) byRound.set(r.round, r);
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}

function mergeEvaluations(existing: FederatedSummary[], incoming: FederatedSummary[]): FederatedSummary[] {
  const byRound = new Map(existing.map((e) => [e.round, e]));
  for (const e of incoming) byRound.set(e.round, e);
  return [...byRound.values()].sort((a, b) => a.round - b.round);
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));

function applyEvent(state: DashboardState, e: FeedEvent): DashboardState {
  const entry = logEntry(e);
  const next = entry ? { ...state, log: [...state.log.slice(-(LOG_LIMIT - 1)), entry] } : state;
  const task = e.taskId ? next.tasks[e.taskId] : undefined;
  if (!task) return next;
  const put = (patch: Partial<TaskView>): DashboardState => ({ ...next, tasks: { ...next.tasks, [task.id]: { ...task, ...patch } } });
  const cur = task.currentRound;
  const round = num(e.data.round);
  switch (e.type) {
    case 'task.state':
      return put({ state: e.data.state as TaskView['state'], stopReason: (e.data.reason as string | null) ?? null });
    case 'round.started':
      return put({
        currentRound: {
          round, phase: 'configuration', selected: num(e.data.selected), goal: num(e.data.goal), reported: 0, dropped: 0, failed: 0,
          deadline: num(e.data.deadline), startedAt: e.at, secure: e.data.secure === true,
        },
      });
    case 'round.phase':
      return cur?.round === round ? put({ currentRound: { ...cur, phase: e.data.phase as typeof cur.phase } }) : next;
    case 'round.report': {
      if (cur?.round !== round) return next;
      const planned = e.data.plannedSteps;
      const done = e.data.localSteps;
      const work = typeof planned === 'number' && typeof done === 'number'
        ? [...(cur.work ?? []).filter((w) => w.clientId !== e.data.clientId), { clientId: String(e.data.clientId), plannedSteps: planned, localSteps: done }]
        : cur.work;
      return put({ currentRound: { ...cur, reported: Math.max(cur.reported, num(e.data.reported)), ...(work ? { work } : {}) } });
    }
    case 'round.dropout':
      return cur?.round === round ? put({ currentRound: { ...cur, dropped: cur.dropped + 1 } }) : next;
    case 'client.error':
      return cur?.round === round ? put({ currentRound: { ...cur, failed: cur.failed + 1 } }) : next;
    case 'evaluation.started':
      return put({
        currentEvaluation: { round, modelVersion: num(e.data.modelVersion), asked: num(e.data.asked), reported: 0, failed: 0, deadline: num(e.data.deadline) },
      });
    case 'evaluation.report': {
      const ev = task.currentEvaluation;
      return ev?.round === round ? put({ currentEvaluation: { ...ev, reported: Math.max(ev.reported, num(e.data.reported)) } }) : next;
    }
    case 'evaluation.completed': {
      const summary = e.data as unknown as FederatedSummary;
      const rounds = (next.rounds[task.id] ?? []).map((r) => (r.round === round ? { ...r, federated: summary } : r));
      return {
        ...next,
        rounds: { ...next.rounds, [task.id]: rounds },
        evaluations: { ...next.evaluations, [task.id]: mergeEvaluations(next.evaluations[task.id] ?? [], [summary]) },
        tasks: { ...next.tasks, [task.id]: { ...task, currentEvaluation: null } },
      };
    }
    case 'contribution.round': {
      const valued = e.data as unknown as ContributionRoundView;
      const kept = (next.contributionRounds[task.id] ?? []).filter((r) => r.round !== valued.round);
      return {
        ...next,
        contributionRounds: { ...next.contributionRounds, [task.id]: [...kept, valued] },
        contributionActivity: { ...next.contributionActivity, [task.id]: null },
      };
    }
    case 'contribution.progress':
    case 'contribution.failed': {
      const activity: ContributionActivity = e.type === 'contribution.progress'
        ? { kind: 'valuing', round, evaluations: num(e.data.evaluations), players: num(e.data.players), method: String(e.data.method) }
        : { kind: 'failed', round, code: String(e.data.code), reason: String(e.data.reason) };
      return { ...next, contributionActivity: { ...next.contributionActivity, [task.id]: activity } };
    }
    case 'buffer.update': {
      const { clientId: _clientId, staleness: _staleness, ...buffer } = e.data as unknown as CurrentBuffer & { clientId?: string; staleness?: number };
      return put({ currentBuffer: buffer });
    }
    case 'round.evaluated': {
      // An asynchronous commit's central evaluation trails it: its round gains the test metrics.
      const summary = { ...(e.data as unknown as RoundSummary), taskId: task.id };
      return {
        ...next,
        rounds: { ...next.rounds, [task.id]: mergeRounds(next.rounds[task.id] ?? [], [summary]) },
        tasks: { ...next.tasks, [task.id]: { ...task, latestRound: round >= task.lastRound ? summary : task.latestRound } },
      };
    }
    case 'round.committed':
    case 'round.abandoned': {
      const summary = e.data as unknown as RoundSummary;
      const ended = {
        ...next,
        rounds: { ...next.rounds, [task.id]: mergeRounds(next.rounds[task.id] ?? [], [{ ...summary, taskId: task.id }]) },
      };
      const patch: Partial<TaskView> = {
        currentRound: cur && cur.round > round ? cur : null,
        lastRound: Math.max(task.lastRound, round),
        latestRound: round >= task.lastRound ? { ...summary, taskId: task.id } : task.latestRound,
        modelVersion: e.type === 'round.committed' ? Math.max(task.modelVersion, summary.modelVersion) : task.modelVersion,
      };
      return { ...ended, tasks: { ...ended.tasks, [task.id]: { ...task, ...patch } } };
    }
    default:
      return next;
  }
}

const short = (id: unknown): string => String(id ?? '').slice(0, 8);

/** What the event log shows: joins, leaves, dropouts, abandoned rounds, errors (with codes), task states. */
function logEntry(e: FeedEvent): LogEntry | null {
  const d = e.data;
  const base = { key: `${e.seq ?? `x${e.at}`}-${e.type}`, at: e.at, type: e.type, taskId: e.taskId, code: null as string | null };
  switch (e.type) {
    case 'client.joined':
      return { ...base, text: `client ${short(d.clientId)} joined (${String(d.kind)}, ${String(d.backend)}${d.resumed ? ', resumed' : ''})` };
    case 'client.left':
      return { ...base, text: `client ${short(d.clientId)} left` };
    case 'round.dropout':
      return { ...base, text: `round ${num(d.round)}: client ${short(d.clientId)} dropped out (${String(d.reason)})` };
    case 'round.abandoned':
      return { ...base, text: `round ${num(d.round)} abandoned: ${String(d.reason ?? 'no reason')}` };
    case 'client.error':
      return { ...base, code: (d.code as string | null) ?? null, text: `round ${num(d.round)}: client ${short(d.clientId)} ${String(d.outcome)}` };
    case 'task.state':
      return { ...base, text: `task ${short(e.taskId)} ${String(d.state)}${d.reason ? `: ${String(d.reason)}` : ''}` };
    case 'task.created':
      return { ...base, text: `task ${short(e.taskId)} created: ${String(d.name)}` };
    case 'evaluation.completed':
      return {
        ...base,
        text: `round ${num(d.round)} evaluated on ${num(d.clients)} of ${num(d.asked)} clients (${num(d.examples)} examples): ${String(d.metric)} ${
          typeof d[String(d.metric)] === 'number' ? num(d[String(d.metric)]).toFixed(4) : '—'}`,
      };
    case 'contribution.round':
      return { ...base, text: `round ${num(d.round)} valued (${String(d.method)}): ${num(d.evaluations)} sub-models evaluated in ${Math.round(num(d.elapsedMs))} ms` };
    case 'contribution.failed':
      return { ...base, code: String(d.code), text: `round ${num(d.round)} could not be valued (its model was committed): ${String(d.reason)}` };
    case 'baseline.done':
      return { ...base, text: `centralized baseline done: accuracy ${num(d.accuracy).toFixed(4)} after ${num(d.epochs)} epochs` };
    case 'model.worker':
      return {
        ...base, code: (d.code as string | null) ?? null,
        text: `model worker failed during ${String(d.job ?? 'a job')}${d.round === undefined ? '' : ` of round ${num(d.round)}`}: ${String(d.reason)}; replaced by a fresh one`,
      };
    case 'vertical.epoch':
      return {
        ...base,
        text: `vertical job ${short(d.jobId)} epoch ${num(d.epoch)}/${num(d.epochs)}${typeof d.loss === 'number' ? ` loss ${d.loss.toFixed(4)}` : ''}${typeof d.accuracy === 'number' ? ` accuracy ${d.accuracy.toFixed(3)}` : ''}`,
      };
    case 'vertical.state':
      return { ...base, code: (d.code as string | null) ?? null, text: `vertical job ${short(d.jobId)} ${String(d.state)}${d.reason ? `: ${String(d.reason)}` : ''}` };
    default:
      return null;
  }
}
