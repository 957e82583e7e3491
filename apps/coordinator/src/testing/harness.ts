// Test harness: a coordinator on an ephemeral loopback port, MNIST-backed Node clients and raw
// sockets that speak the protocol by hand (to send what a well-behaved client never would).

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, type Trainer, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { PROTOCOL_VERSION, type PartitionSpec } from '@flotilla/protocol';
import { buildApp, type AppOptions } from '../app.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';
import type { ModelServiceOptions } from '../model/ModelService.ts';
import { startMainProcess, type MainProcess } from './mainProcess.ts';

export interface TestCoordinator {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  operatorToken: string;
  close(): Promise<void>;
}

/** The operator token test coordinators use unless told otherwise; api() sends it. */
export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789';

/** Headers that authenticate as the operator, for fetches that do not go through api(). */
export function operatorHeaders(token = TEST_OPERATOR_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function startTestCoordinator(options: {
  /** The port to listen on (0 or absent: any free one); a restarted coordinator takes its predecessor's so clients find it. */
  port?: number;
  dataDir?: string; maxFrameBytes?: number; heartbeatIntervalMs?: number; pingIntervalMs?: number; pongTimeoutMs?: number; operatorToken?: string; joinToken?: string | null;
  webRoot?: string;
  models?: ModelServiceOptions;
} & Pick<AppOptions, 'limits' | 'retention' | 'logger' | 'trustProxy' | 'datasets' | 'edges'> = {}): Promise<TestCoordinator> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-'));
  const operatorToken = options.operatorToken ?? TEST_OPERATOR_TOKEN;
  const { port: listenPort = 0, ...appOptions } = options;
  const app = await buildApp({ dataDir, ...appOptions, operatorToken });
  await app.listen({ host: '127.0.0.1', port: listenPort });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, dataDir, operatorToken, close: () => app.close() };
}

/** A small, fast task: few clients, few examples, a subset of the test set, no baseline. */
export function smallTask(overrides: TaskConfigInput = {}): TaskConfigInput {
  const base: TaskConfigInput = {
    name: 'test task',
    data: { partition: { kind: 'iid', numClients: 5, seed: 3, examplesPerClient: 120 }, testLimit: 1000 },
    fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 5, batchSize: 10, learningRate: 0.1 },
    stop: { maxRounds: 3, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 1 },
    baseline: { enabled: false },
  };
  return deepMerge(base, overrides);
}

function deepMerge<T>(base: T, patch: unknown): T {
  // A null in the patch is sent as null: the coordinator then removes the setting (e.g. `data.dataset: null`).
  if (typeof base !== 'object' || base === null || typeof patch !== 'object' || patch === null || Array.isArray(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(out[k], v);
  return out as T;
}

/** A REST call as the operator (`token: null` sends none, to test refusals). */
export async function api<T = Record<string, unknown>>(url: string, pathname: string, init?: { method?: string; body?: unknown; token?: string | null }): Promise<{ status: number; body: T }> {
  const token = init?.token === undefined ? TEST_OPERATOR_TOKEN : init.token;
  const response = await fetch(`${url}${pathname}`, {
    method: init?.method ?? 'GET',
    headers: {
      ...(token === null ? {} : operatorHeaders(token)),
      ...(init?.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function createTask(url: string, config: TaskConfigInput, start = true): Promise<string> {
  const { status, body } = await api<{ id: string }>(url, `/api/tasks${start ? '?start=true' : ''}`, { method: 'POST', body: config });
  if (status !== 201) throw new Error(`task creation failed: ${JSON.stringify(body)}`);
  return body.id;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let sharedTrainer: TfjsTrainer | null = null;

/** Clients that train on their own MNIST partition with the real tfjs trainer (WASM backend). */
export async function startMnistClients(url: string, taskId: string, partition: PartitionSpec, indices: number[], trainer?: Trainer, alternates?: string[]): Promise<FlotillaClient[]> {
  const { backend } = await initNodeBackend('auto');
  sharedTrainer ??= new TfjsTrainer({ backend });
  const train = await loadMnist('train');
  const weights = new WeightsCache();
  return indices.map((i) => {
    const client = new FlotillaClient({
      url, ...(alternates ? { alternates } : {}), kind: 'node', taskId, partitionIndex: i, trainer: trainer ?? sharedTrainer!, weights, identity: memoryIdentity(),
      data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      backoff: { baseMs: 50, maxMs: 500 },
    });
    client.start();
    return client;
  });
}

/** A socket driven by hand; `next()` awaits the next message from the coordinator. */
export class RawClient {
  readonly socket: WebSocket;
  private readonly inbox: { data: unknown; binary: boolean }[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  /** `autoPong: false` makes a client whose link is gone: it no longer answers protocol pings. */
  constructor(url: string, options: { autoPong?: boolean } = {}) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, { autoPong: options.autoPong ?? true });
    this.socket.on('message', (data, binary) => {
      this.inbox.push({ data: binary ? data : JSON.parse(data.toString()), binary });
      this.flush();
    });
    this.socket.on('close', (code, reason) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.closed = { code, reason: reason.toString() };
      this.flush();
    });
  }

  private flush(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(data: string | Uint8Array | object): void {
    this.socket.send(typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
  }

  /** The next JSON message of the given type (others are skipped). */
  async next<T = Record<string, unknown>>(type?: string, timeoutMs = 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((m) => !m.binary && (type === undefined || (m.data as { type: string }).type === type));
      if (index >= 0) return this.inbox.splice(index, 1)[0]!.data as T;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${type}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${type}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return eventually(() => this.closed ?? undefined, timeoutMs, 'socket close');
  }

  async hello(extra: Record<string, unknown> = {}): Promise<{ clientId: string; resumeToken: string }> {
    await this.opened();
    this.send({
      type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' },
      // Its count is final (its training part): a hand-driven client never says hello again to announce another.
      capabilities: { codecs: ['float32'] }, numExamples: 100, trainSplit: true, ...extra,
    });
    const welcome = await this.next<{ clientId: string; resumeToken: string; heartbeatIntervalMs: number }>('welcome');
    this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), welcome.heartbeatIntervalMs);
    return welcome;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The coordinator as its own process, as `npm start` runs it (so a test can kill it with SIGKILL),
 * on `dataDir` and `port` (0: any free one); resolves once it prints where it listens.
 * @example const { child, url } = await startCoordinatorProcess(dataDir);
 */
export function startCoordinatorProcess(dataDir: string, port = 0): Promise<MainProcess> {
  return startMainProcess(['--port', String(port), '--data-dir', dataDir, '--no-default-task', '--log-level', 'warn', '--operator-token', TEST_OPERATOR_TOKEN], 'coordinator');
}
