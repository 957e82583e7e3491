// A fleet of headless Node clients: one process, several worker threads, each thread hosting
// its share of the clients. Watches the coordinator's event stream and prints a line per round.

import os from 'node:os';
import type { Attack } from '@flotilla/client';
import { taskSchema, type TaskView } from '@flotilla/protocol';
import type { Worker } from 'node:worker_threads';
import { spawnTsWorker } from './spawnTsWorker.ts';
import type { FleetWorkerData, FleetWorkerMessage } from './nodeFleetWorker.ts';
import { followEventStream, type StreamEvent } from './eventStream.ts';
import { requestJson, type CoordinatorLink } from './coordinatorLink.ts';
import { formatEvaluationLine, formatRoundLine, type FleetReporter } from './report.ts';
import { formatContributionLine } from './contributionReport.ts';
import type { OwnDataClient } from './ownData.ts';

export interface NodeFleetOptions {
  url: string;
  taskId: string;
  clients: number;
  threads: number;
  dropout: number;
  seed: number;
  /** Operator token for REST and the event stream (null when the coordinator needs none). */
  token: string | null;
  joinToken: string | null;
  /** Where clients keep personal models (null: in memory). */
  stateDir?: string | null;
  reporter: FleetReporter;
  /** Paces retries while the coordinator is away (its clients reconnect by themselves). */
  link: CoordinatorLink;
  /** The clients (partition indices) that attack, and how; null for an honest fleet. */
  byzantine?: { attack: Attack; clients: number[] } | null;
  /** `--data`: clients on their own files (not MNIST partitions), one per entry; `clients` is their count. */
  ownData?: readonly OwnDataClient[] | null;
  /** The clients (indices) that simulate a slower device, and by how much; null or absent: none. */
  slow?: { clients: number[]; factor: number } | null;
  /** `--duplicate K`: client K trains on client 0's partition; null or absent: none. */
  duplicate?: number | null;
}

export interface RoundLine {
  round: number;
  outcome: string;
  reason: string | null;
  selected: number;
  reported: number;
  dropped: number;
  failed: number;
  testAccuracy: number | null;
  testLoss: number | null;
  delta: number | null;
  /** ε spent so far, when the task accounts differential privacy. */
  epsilon: number | null;
  /** Bytes the round's updates carried up and its models down (null when the event has none). */
  bytesUp: number | null;
  bytesDown: number | null;
  /** The model version the round committed. */
  modelVersion: number | null;
  /** An asynchronous commit's buffer: its updates and their mean and largest staleness (null for a round). */
  buffer: { size: number; meanStaleness: number; maxStaleness: number } | null;
  durationMs: number;
}

export interface NodeFleetRun {
  backend: string;
  /** Each simulated client's partition index by client id, as welcomed (Node fleets; absent for tabs). */
  partitions?: Map<string, number>;
  dropoutsInjected: number;
  stopReason: string | null;
  finalState: string;
}

/** `Authorization` for the coordinator's operator API, or nothing without a token. */
export function operatorHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Runs the fleet until the task completes, stops or fails (or the signal aborts). */
export async function runNodeFleet(options: NodeFleetOptions, signal: AbortSignal): Promise<NodeFleetRun> {
  const task = await options.link.retry('task', () => requestJson<TaskView>(
    `${options.url}/api/tasks/${options.taskId}`, { headers: operatorHeaders(options.token) },
  ));
  const threads = Math.max(1, Math.min(options.threads, options.clients));
  const workers: Worker[] = [];
  let backend = 'unknown';
  let dropoutsInjected = 0;
  const partitions = new Map<string, number>();
  const ready: Promise<void>[] = [];
  for (let t = 0; t < threads; t++) {
    const clientIndices = Array.from({ length: options.clients }, (_, i) => i).filter((i) => i % threads === t);
    const worker = spawnTsWorker(new URL('./nodeFleetWorker.ts', import.meta.url), {
      url: options.url, taskId: options.taskId, partition: task.config.data.partition, model: task.config.model, clientIndices,
      schema: taskSchema(task.config.data), dataset: task.config.data.dataset ?? null,
      dropout: options.dropout, seed: options.seed + t, joinToken: options.joinToken, stateDir: options.stateDir ?? null,
      byzantine: options.byzantine ? { attack: options.byzantine.attack, clients: options.byzantine.clients.filter((i) => clientIndices.includes(i)) } : null,
      ownData: options.ownData ? clientIndices.map((i) => options.ownData![i]!) : null,
      slow: options.slow ? { factor: options.slow.factor, clients: options.slow.clients.filter((i) => clientIndices.includes(i)) } : null,
      duplicate: options.duplicate ?? null,
    } satisfies FleetWorkerData);
    workers.push(worker);
    ready.push(new Promise((resolve, reject) => {
      worker.on('message', (msg: FleetWorkerMessage) => {
        if (msg.type === 'ready') {
          backend = msg.backend;
          resolve();
        } else if (msg.type === 'dropout') dropoutsInjected++;
        else if (msg.type === 'welcome') partitions.set(msg.clientId, msg.clientIndex);
        else if (msg.type === 'error') options.reporter.warn(msg.message);
      });
      worker.on('error', reject);
    }));
  }
  await Promise.all(ready);
  options.reporter.info(`${options.clients} Node clients${options.ownData ? ' on their own files' : ''} in ${threads} worker threads on the ${backend} backend (${os.availableParallelism()} cores)`);

  const watch = new AbortController();
  signal.addEventListener('abort', () => watch.abort());
  let finalState = 'running';
  let stopReason: string | null = null;
  const onEvent = (e: StreamEvent) => {
    // An asynchronous commit's test accuracy comes after it (round.evaluated): its line is printed again with it.
    if (e.event === 'round.committed' || e.event === 'round.abandoned' || e.event === 'round.evaluated') options.reporter.round(formatRoundLine(toRoundLine(e.data)));
    else if (e.event === 'evaluation.completed') options.reporter.info(formatEvaluationLine(e.data));
    else if (e.event === 'contribution.round') options.reporter.info(formatContributionLine(e.data));
    else if (e.event === 'contribution.failed') options.reporter.warn(`round ${Number(e.data.round)} could not be valued (${String(e.data.code)}): ${String(e.data.reason)}`);
    else if (e.event === 'baseline.progress') options.reporter.baseline(e.data);
    else if (e.event === 'baseline.done') options.reporter.info(`centralized baseline: test accuracy ${Number(e.data.accuracy).toFixed(4)} after ${e.data.epochs} epochs`);
    else if (e.event === 'task.state' && ['completed', 'stopped', 'failed'].includes(String(e.data.state))) {
      finalState = String(e.data.state);
      stopReason = (e.data.reason as string | null) ?? null;
      watch.abort();
    }
  };
  try {
    await followEventStream(`${options.url}/api/events?taskId=${options.taskId}&ephemeral=false`, onEvent, options.link, watch.signal, operatorHeaders(options.token));
  } finally {
    // Also when the fleet gives up on a coordinator gone for good: no client thread outlives the run.
    for (const w of workers) w.postMessage({ type: 'stop' });
    await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  }
  return { backend, dropoutsInjected, stopReason, finalState, partitions };
}

export function toRoundLine(d: Readonly<Record<string, unknown>>): RoundLine {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    round: Number(d.round), outcome: String(d.outcome), reason: (d.reason as string | null) ?? null,
    selected: Number(d.selected), reported: Number(d.reported), dropped: Number(d.dropped), failed: Number(d.failed),
    testAccuracy: num(d.testAccuracy), testLoss: num(d.testLoss), delta: num(d.delta), epsilon: num(d.epsilon),
    bytesUp: num(d.bytesUp), bytesDown: num(d.bytesDown), modelVersion: num(d.modelVersion),
    buffer: bufferOf(d.asynchronous),
    durationMs: Number(d.endedAt) - Number(d.startedAt),
  };
}

function bufferOf(value: unknown): RoundLine['buffer'] {
  if (typeof value !== 'object' || value === null) return null;
  const a = value as { bufferSize?: unknown; meanStaleness?: unknown; maxStaleness?: unknown };
  if (typeof a.bufferSize !== 'number' || typeof a.meanStaleness !== 'number' || typeof a.maxStaleness !== 'number') return null;
  return { size: a.bufferSize, meanStaleness: a.meanStaleness, maxStaleness: a.maxStaleness };
}
