// What a load run counts, shared by its light clients, and the line and summary it prints.

import { LatencyRing } from './percentiles.ts';

/** Counters and latency records of one load process. */
export class LoadStats {
  attempts = 0;
  open = 0;
  welcomed = 0;
  resumed = 0;
  /** Welcomed connections open now. */
  connected = 0;
  plans = 0;
  updates = 0;
  acked = 0;
  bytesUp = 0;
  injectedDrops = 0;
  /** Closes nobody asked for, by close code. */
  readonly unexpectedCloses = new Map<number, number>();
  /** Errors and round outcomes by name. */
  readonly counts = new Map<string, number>();
  readonly heartbeatRtt = new LatencyRing();
  /** Distinct rounds whose end a client heard, by outcome (bounded: old rounds are forgotten). */
  readonly roundsEnded = new Map<string, 'committed' | 'abandoned'>();
  /** From a plan's arrival to its round's end. */
  readonly roundTimes = new LatencyRing(10_000);

  roundEnded(taskId: string, round: number, outcome: 'committed' | 'abandoned'): void {
    const key = `${taskId}/${round}`;
    if (this.roundsEnded.has(key)) return;
    this.roundsEnded.set(key, outcome);
    this.roundsTotal[outcome]++;
    if (this.roundsEnded.size > 1000) this.roundsEnded.delete(this.roundsEnded.keys().next().value!);
  }

  readonly roundsTotal = { committed: 0, abandoned: 0 };

  count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  /** A JSON-ready snapshot with this process's memory. */
  snapshot(): LoadSnapshot {
    const memory = process.memoryUsage();
    return {
      attempts: this.attempts, open: this.open, welcomed: this.welcomed, resumed: this.resumed, connected: this.connected,
      plans: this.plans, updates: this.updates, acked: this.acked, bytesUp: this.bytesUp, injectedDrops: this.injectedDrops,
      unexpectedCloses: Object.fromEntries(this.unexpectedCloses), counts: Object.fromEntries(this.counts), rounds: { ...this.roundsTotal },
      heartbeatMs: this.heartbeatRtt.summary(), heartbeats: this.heartbeatRtt.total, roundMs: this.roundTimes.summary(),
      rssMB: Math.round(memory.rss / 2 ** 20), heapUsedMB: Math.round(memory.heapUsed / 2 ** 20),
    };
  }
}

export interface LoadSnapshot {
  attempts: number; open: number; welcomed: number; resumed: number; connected: number;
  plans: number; updates: number; acked: number; bytesUp: number; injectedDrops: number;
  unexpectedCloses: Record<string, number>; counts: Record<string, number>;
  /** Distinct rounds heard to end, by outcome (a sum over processes may count a round once per process). */
  rounds: { committed: number; abandoned: number };
  heartbeatMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null }; heartbeats: number;
  roundMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  rssMB: number; heapUsedMB: number;
}

/**
 * One progress line.
 * @example formatLine(12.5, 1000, stats.snapshot()) // "12s  connected 998/1000  …"
 */
export function formatLine(seconds: number, clients: number, s: LoadSnapshot): string {
  const ms = (v: number | null) => (v === null ? '–' : `${v}`);
  const unexpected = Object.values(s.unexpectedCloses).reduce((a, b) => a + b, 0);
  return `${Math.round(seconds)}s  connected ${s.connected}/${clients}  reconnects ${s.resumed} (injected drops ${s.injectedDrops}, unexpected closes ${unexpected})` +
    `  heartbeat p50/p99 ${ms(s.heartbeatMs.p50)}/${ms(s.heartbeatMs.p99)} ms  plans ${s.plans} updates ${s.updates} acks ${s.acked}` +
    `  rounds committed ${s.rounds.committed} abandoned ${s.rounds.abandoned} (client's plan to end p50 ${s.roundMs.p50 === null ? '–' : (s.roundMs.p50 / 1000).toFixed(1)} s)  rss ${s.rssMB} MB`;
}
