// The load generator against a real coordinator process: light clients hold their connections,
// answer plans with updates of the task's size so rounds commit, and come back with their own
// identity after the dropouts it injects.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCoordinator, type LocalCoordinator } from '../localCoordinator.ts';
import { runLoad } from './loadRun.ts';
import type { LoadSnapshot } from './loadStats.ts';

const TOKEN = 'load-test-operator-token-0123456789';
const JOIN = 'load-test-join-token';
const CLIENTS = 40;

describe('npm run load against a coordinator', () => {
  let coordinator: LocalCoordinator;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-load-'));
    coordinator = await startLocalCoordinator({ dataDir, operatorToken: TOKEN, joinToken: JOIN });
  }, 90_000);
  afterAll(async () => {
    await coordinator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (pathname: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await fetch(`${coordinator.url}${pathname}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  };

  it('holds every client, commits rounds from their synthetic updates and resumes dropped clients as themselves', async () => {
    const created = await api('/api/tasks', {
      method: 'POST',
      body: {
        name: 'load test', model: { kind: 'mnist-2nn' },
        data: { simulation: false, partition: { kind: 'iid', numClients: CLIENTS, seed: 1 }, testLimit: 200 },
        fit: { fractionFit: 0.5, minFitClients: 10, minAvailableClients: CLIENTS, batchSize: 10, learningRate: 0.1 },
        stop: { maxRounds: 3, targetAccuracy: null, roundDeadlineMs: 8_000, minReports: 5 },
        baseline: { enabled: false },
      },
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;
    expect((await api(`/api/tasks/${taskId}/start`, { method: 'POST' })).status).toBeLessThan(300);

    const snapshots: LoadSnapshot[] = [];
    const stop = new AbortController();
    const done = runLoad({
      targets: [coordinator.url.replace(/^http/, 'ws') + '/ws'], clients: CLIENTS, firstClient: 0, taskId, joinToken: JOIN,
      numExamples: 100, trainMs: 200, slowFraction: 0.25, slowFactor: 3, dropout: 0.3, reconnectMs: 300, rampPerSecond: 400,
      durationSec: 120, reportEverySec: 1, sourceAddresses: 2, seed: 7,
    }, (s) => snapshots.push(s), stop.signal);
    // Stop once the task has ended (three rounds) and every dropped client is back.
    for (let waited = 0; waited < 110_000; waited += 500) {
      await new Promise((r) => setTimeout(r, 500));
      const task = (await api(`/api/tasks/${taskId}`)).body;
      const last = snapshots.at(-1);
      if (task.state !== 'running' && last && last.connected === CLIENTS) break;
    }
    // Still connected: one record per light client, each on the task (a resumed client is no new one).
    const clients = (await api('/api/clients')).body.clients as { taskId: string | null; connected: boolean }[];
    stop.abort();
    const final = await done;

    expect(final.welcomed).toBe(CLIENTS);
    expect(final.connected).toBe(CLIENTS);
    expect(final.unexpectedCloses).toEqual({});
    expect(final.injectedDrops).toBeGreaterThan(0);
    // A dropped client says hello with its id and resume token and is welcomed as itself.
    expect(final.resumed).toBe(final.injectedDrops);
    expect(final.heartbeats).toBeGreaterThan(0);
    expect(final.heartbeatMs.p99).not.toBeNull();

    const rounds = (await api(`/api/tasks/${taskId}/rounds`)).body.rounds as { outcome: string; reported: number }[];
    const committed = rounds.filter((r) => r.outcome === 'committed');
    expect(committed.length).toBe(3);
    expect(final.rounds.committed).toBe(3);
    // Every report the coordinator counted is an update the light clients sent and had acknowledged.
    expect(committed.reduce((a, r) => a + r.reported, 0)).toBeLessThanOrEqual(final.acked);
    expect(clients).toHaveLength(CLIENTS);
    expect(clients.filter((c) => c.connected && c.taskId === taskId)).toHaveLength(CLIENTS);
  }, 150_000);
});
