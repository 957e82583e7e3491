// Runs one process's share of a load: opens its light clients at the ramp rate, spread over the
// targets and over loopback source addresses, reports a snapshot at every interval, and stops them
// all at the end.

import { createRng } from '@flotilla/core';
import { LightClient } from './LightClient.ts';
import { LoadStats, type LoadSnapshot } from './loadStats.ts';
import { SyntheticUpdates } from './syntheticUpdates.ts';

/** One process's part of a load run. */
export interface LoadOptions {
  /** ws:// URLs of coordinators or edges (with the /ws path); client i uses targets[i % n]. */
  targets: string[];
  clients: number;
  /** Index of this process's first client in the whole run (its clients are first … first + clients − 1). */
  firstClient: number;
  taskId?: string;
  joinToken?: string;
  numExamples: number;
  trainMs: number;
  slowFraction: number;
  slowFactor: number;
  dropout: number;
  reconnectMs: number;
  rampPerSecond: number;
  durationSec: number;
  reportEverySec: number;
  /** Loopback source addresses to spread over (0: the system's choice). */
  sourceAddresses: number;
  seed: number;
}

/**
 * The k-th loopback source address (127.1.0.1, 127.1.0.2, …), never 127.0.0.1 itself.
 * @example sourceAddress(0) // '127.1.0.1'
 */
export function sourceAddress(k: number): string {
  return `127.1.${Math.floor(k / 250)}.${(k % 250) + 1}`;
}

/**
 * ws://host:port/ws from what a user types: http(s) or ws(s), with or without the /ws path.
 * @example wsTarget('http://127.0.0.1:8080') // 'ws://127.0.0.1:8080/ws'
 */
export function wsTarget(url: string): string {
  const u = new URL(url.includes('://') ? url : `http://${url}`);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  return u.toString();
}

/** The http(s) base that a target's weights URLs are relative to. */
export function httpBase(target: string): string {
  const u = new URL(target);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
}

/**
 * Opens the clients, reports every interval, stops after the duration; resolves to the last snapshot.
 * @example const last = await runLoad(options, (s, t) => console.log(t, s.connected));
 */
export async function runLoad(options: LoadOptions, report: (snapshot: LoadSnapshot, seconds: number) => void, signal?: AbortSignal): Promise<LoadSnapshot> {
  const stats = new LoadStats();
  const updates = new Map(options.targets.map((t) => [t, new SyntheticUpdates(httpBase(t))]));
  const clients: LightClient[] = [];
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const ticker = setInterval(() => report(stats.snapshot(), seconds()), options.reportEverySec * 1000);
  try {
    for (let i = 0; i < options.clients && !signal?.aborted; i++) {
      const index = options.firstClient + i;
      const random = createRng((options.seed * 1_000_003 + index) >>> 0);
      const slow = random() < options.slowFraction;
      const target = options.targets[index % options.targets.length]!;
      const loopback = /^wss?:\/\/(127\.|localhost|\[::1\])/.test(target);
      const client = new LightClient({
        url: target,
        ...(loopback && options.sourceAddresses > 0 ? { localAddress: sourceAddress(index % options.sourceAddresses) } : {}),
        ...(options.joinToken ? { joinToken: options.joinToken } : {}),
        ...(options.taskId ? { taskId: options.taskId } : {}),
        numExamples: options.numExamples, trainMs: options.trainMs * (slow ? options.slowFactor : 1),
        dropout: options.dropout, reconnectMs: options.reconnectMs, random,
      }, stats, updates.get(target)!);
      clients.push(client);
      client.start();
      if ((i + 1) % Math.max(1, Math.round(options.rampPerSecond / 20)) === 0) await sleep(50, signal);
    }
    await sleep(Math.max(0, options.durationSec * 1000 - (performance.now() - started)), signal);
  } finally {
    clearInterval(ticker);
  }
  const last = stats.snapshot();
  report(last, seconds());
  for (const c of clients) c.stop();
  return last;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => { clearTimeout(t); resolve(); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
