// Playwright fixtures for the join-page specs: a real coordinator per test (a child process on a
// free loopback port, its own data directory and operator token), a typed REST API over it, and
// join pages, each in its own browser context (its own localStorage, so its own client).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, type Browser } from '@playwright/test';
import { JoinPageObject } from './JoinPageObject.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RoundRecord {
  round: number;
  outcome: 'committed' | 'abandoned';
  reason: string | null;
  selected: number;
  reported: number;
  dropped: number;
  testAccuracy: number | null;
  /** ε spent after the round, for DP tasks. */
  epsilon: number | null;
  startedAt: number;
  endedAt: number;
}

export interface RoundDetail extends RoundRecord {
  clients: { clientId: string; outcome: string; numExamples: number | null }[];
}

/** The coordinator's REST API, with the operator token. */
export class CoordinatorApi {
  constructor(readonly url: string, readonly token: string) {}

  async request<T>(pathname: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(`${this.url}${pathname}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${this.token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const body = await response.json() as T & { code?: string; message?: string };
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${pathname}: ${response.status} ${body.code} ${body.message}`);
    return body;
  }

  async createTask(config: Record<string, unknown>): Promise<string> {
    return (await this.request<{ id: string }>('/api/tasks?start=true', { method: 'POST', body: config })).id;
  }

  task(id: string) {
    return this.request<{ state: string; stopReason: string | null; modelVersion: number; lastRound: number }>(`/api/tasks/${id}`);
  }

  async rounds(id: string): Promise<RoundRecord[]> {
    return (await this.request<{ rounds: RoundRecord[] }>(`/api/tasks/${id}/rounds`)).rounds;
  }

  round(id: string, round: number): Promise<RoundDetail> {
    return this.request<RoundDetail>(`/api/tasks/${id}/rounds/${round}`);
  }

  async clients() {
    return (await this.request<{ clients: { id: string; kind: string; backend: string | null; connected: boolean; dropouts: number; roundsJoined: number }[] }>('/api/clients')).clients;
  }
}

export interface RunningCoordinator {
  url: string;
  api: CoordinatorApi;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startCoordinatorProcess(): Promise<{ child: ChildProcess; url: string; token: string; dataDir: string }> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-e2e-'));
  const token = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/coordinator/src/main.ts', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--no-default-task', '--log-level', 'warn'], {
    cwd: ROOT, env: { ...process.env, FLOTILLA_OPERATOR_TOKEN: token }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the coordinator exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) throw new Error('the coordinator did not start within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url, token, dataDir };
}

/**
 * The join-page query that skips the backend ladder and takes WASM, which the ladder picks on a
 * machine without a GPU anyway (measured: WASM 470–500 examples/s, WebGL 24–72, CPU 51–270). The
 * ladder benchmarks every rung, 12–14 s a tab and more while tabs start together, again on each
 * reload; cnn.spec.ts checks its choice, the other specs check what happens after it.
 */
export const WASM: Record<string, string> = { backend: 'wasm' };

/** Opens join pages, each in a fresh context; closes them all at the end of the test. */
export class JoinTabs {
  readonly pages: JoinPageObject[] = [];
  constructor(private readonly browser: Browser, private readonly url: string) {}

  async open(taskId: string, partition: number, query: Record<string, string> = {}): Promise<JoinPageObject> {
    const context = await this.browser.newContext();
    const page = await context.newPage();
    const join = new JoinPageObject(page, context);
    await join.goto(this.url, taskId, partition, query);
    this.pages.push(join);
    return join;
  }

  /** A page opened as a person would, on their own data (no partition). */
  async openOwn(query: Record<string, string> = {}): Promise<JoinPageObject> {
    const context = await this.browser.newContext();
    const page = await context.newPage();
    const join = new JoinPageObject(page, context);
    await join.gotoOwn(this.url, query);
    this.pages.push(join);
    return join;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.pages.map((p) => p.context.close().catch(() => undefined)));
  }
}

export const test = base.extend<{ coordinator: RunningCoordinator; tabs: JoinTabs }>({
  coordinator: async ({}, use) => {
    const started = await startCoordinatorProcess();
    try {
      await use({ url: started.url, api: new CoordinatorApi(started.url, started.token) });
    } finally {
      started.child.kill('SIGTERM');
      await new Promise((r) => (started.child.exitCode !== null ? r(null) : started.child.once('exit', r)));
      rmSync(started.dataDir, { recursive: true, force: true });
    }
  },
  tabs: async ({ browser, coordinator }, use) => {
    const tabs = new JoinTabs(browser, coordinator.url);
    await use(tabs);
    await tabs.closeAll();
  },
});

export { expect } from '@playwright/test';

/** Polls `check` until it returns something other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
