// One federated round over real loopback sockets, plain or with secure aggregation: a coordinator
// and n in-process Node clients whose "training" returns a fixed synthetic 2NN update at once, so
// the round time is protocol, crypto, transfer, aggregation and evaluation, not local training.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { buildApp } from '@flotilla/coordinator';
import { FlotillaClient, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';

const TOKEN = 'bench-operator-token-0123456789';

export interface SocketRound {
  n: number;
  mode: 'plain' | 'full' | 'plus';
  /** The task's uplink codec: int8 under secure aggregation is quantised fixed point, packed at 8 + ⌈log2 n⌉ bits. */
  uplink: 'float32' | 'int8';
  /** Mean bytes each client's socket carried up in the round (the store's count: every SecAgg message included). */
  bytesUpPerClient: number;
  /** Coordinator's round record: plan sent → committed (evaluation on 100 test examples included). */
  roundMs: number;
  outcome: string;
  /** Why an abandoned round was abandoned. */
  reason?: string | null;
}

/** A trainer that returns the same small random update immediately (no tfjs). */
function syntheticTrainer(update: Float32Array): Trainer {
  return {
    device: () => ({ backend: 'synthetic' }),
    train: async () => ({ update, shapes: [[784, 200], [200], [200, 200], [200], [200, 10], [10]], numExamples: 100, metrics: { loss: 1, accuracy: 0.1, trainMs: 0 } }),
  };
}

async function call<T>(url: string, pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json() as T;
  if (!response.ok) throw new Error(`${pathname}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Measures one round for each (n, mode) with a single coordinator; all clients live in this process,
 * so their compute is serialized on its cores (on real devices it runs in parallel).
 * @example const rows = await socketRounds([10, 50], ['plain', 'plus']);
 */
export async function socketRounds(sizes: number[], modes: SocketRound['mode'][], uplinks: SocketRound['uplink'][] = ['float32']): Promise<SocketRound[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-secagg-'));
  const app = await buildApp({ dataDir, operatorToken: TOKEN, logger: false, maxFrameBytes: 16 * 1024 * 1024 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const update = new Float32Array(199_210);
  for (let i = 0; i < update.length; i++) update[i] = (Math.random() - 0.5) * 0.02;
  const rows: SocketRound[] = [];
  try {
    // One unmeasured round first: the evaluation worker's first model build and JIT warm-up
    // would otherwise land on whichever configuration runs first.
    await measure(url, update, 2, 'plain', 'float32');
    for (const n of sizes) {
      for (const mode of modes) {
        for (const uplink of uplinks) {
          const row = await measure(url, update, n, mode, uplink);
          rows.push(row);
          process.stdout.write(`  socket round n=${n} ${mode} ${uplink}: ${row.roundMs} ms, ${row.bytesUpPerClient} bytes up a client (${row.outcome}${row.reason ? `: ${row.reason}` : ''})\n`);
        }
      }
    }
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function measure(url: string, update: Float32Array, n: number, mode: SocketRound['mode'], uplink: SocketRound['uplink']): Promise<SocketRound> {
  const { id } = await call<{ id: string }>(url, '/api/tasks?start=true', {
    name: `bench ${mode} ${uplink} ${n}`,
    ...(uplink === 'float32' ? {} : { communication: { uplink: { codec: uplink } } }),
    data: { partition: { kind: 'iid', numClients: n, seed: 1, examplesPerClient: 10 }, testLimit: 100 },
    fit: { fractionFit: 1, minFitClients: n, minAvailableClients: n },
    stop: { maxRounds: 1, roundDeadlineMs: 600_000, minReports: n },
    baseline: { enabled: false },
    ...(mode === 'plain' ? {} : { privacy: { secureAggregation: { enabled: true, mode, clip: 0.05, stageDeadlineMs: 600_000 } } }),
  });
  const clients = Array.from({ length: n }, () => new FlotillaClient({
    url, kind: 'node', taskId: id, trainer: syntheticTrainer(update), identity: memoryIdentity(),
    data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 100 },
    webSocket: (u) => new WebSocket(u, { maxPayload: 64 * 1024 * 1024 }) as unknown as WebSocketLike,
  }));
  for (const c of clients) c.start();
  let record: { outcome: string; reason: string | null; startedAt: number; endedAt: number } | undefined;
  while (!record) {
    await new Promise((r) => setTimeout(r, 200));
    record = (await call<{ rounds: { outcome: string; reason: string | null; startedAt: number; endedAt: number }[] }>(url, `/api/tasks/${id}/rounds`)).rounds[0];
  }
  for (const c of clients) c.stop();
  const detail = await call<{ clients: { bytesUp?: number }[] }>(url, `/api/tasks/${id}/rounds/1`);
  const bytesUpPerClient = Math.round(detail.clients.reduce((sum, c) => sum + (c.bytesUp ?? 0), 0) / Math.max(1, detail.clients.length));
  return { n, mode, uplink, bytesUpPerClient, roundMs: record.endedAt - record.startedAt, outcome: record.outcome, reason: record.reason };
}
