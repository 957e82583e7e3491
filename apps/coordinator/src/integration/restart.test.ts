// kill -9 the coordinator mid-training and start it again on the same data directory: the task
// resumes from its last committed round, nothing committed is lost, clients come back by themselves.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import type { PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startCoordinatorProcess, startMnistClients } from '../testing/harness.ts';

interface TaskView { state: string; lastRound: number; modelVersion: number }
const partition: PartitionSpec = { kind: 'iid', numClients: 3, seed: 9, examplesPerClient: 100 };

describe('crash recovery', () => {
  const children: ChildProcess[] = [];
  let clients: FlotillaClient[] = [];

  afterAll(() => {
    for (const c of clients) c.stop();
    for (const child of children) child.kill('SIGKILL');
  });

  it('resumes a running task from its last committed round after kill -9', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-restart-'));
    const first = await startCoordinatorProcess(dataDir, 0);
    children.push(first.child);
    const port = Number(new URL(first.url).port);
    const taskId = await createTask(first.url, smallTask({ data: { partition }, fit: { minAvailableClients: 3 }, stop: { maxRounds: 100 } }));
    clients = await startMnistClients(first.url, taskId, partition, [0, 1, 2]);
    const before = await eventually(async () => {
      const { body } = await api<TaskView>(first.url, `/api/tasks/${taskId}`);
      return body.modelVersion >= 2 ? body : undefined;
    }, 120_000, 'two committed rounds');
    const weights = Buffer.from(await (await fetch(`${first.url}/api/tasks/${taskId}/models/${before.modelVersion}/weights.frame`)).arrayBuffer());
    const { body: clientsBefore } = await api<{ clients: { id: string }[] }>(first.url, '/api/clients');

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = await startCoordinatorProcess(dataDir, port);
    children.push(second.child);

    const after = (await api<TaskView>(second.url, `/api/tasks/${taskId}`)).body;
    expect(after.state).toBe('running');
    expect(after.modelVersion).toBeGreaterThanOrEqual(before.modelVersion);
    const kept = Buffer.from(await (await fetch(`${second.url}/api/tasks/${taskId}/models/${before.modelVersion}/weights.frame`)).arrayBuffer());
    expect(kept.equals(weights)).toBe(true);

    // Training goes on with the same clients, reconnected by themselves under their old ids.
    const resumed = await eventually(async () => {
      const { body } = await api<TaskView>(second.url, `/api/tasks/${taskId}`);
      return body.modelVersion >= after.modelVersion + 2 ? body : undefined;
    }, 120_000, 'two more rounds after the restart');
    const { body: rounds } = await api<{ rounds: { round: number; outcome: string }[] }>(second.url, `/api/tasks/${taskId}/rounds`);
    expect(rounds.rounds.map((r) => r.round)).toEqual(Array.from({ length: rounds.rounds.length }, (_, i) => i + 1));
    expect(resumed.state).toBe('running');
    const { body: clientsAfter } = await api<{ clients: { id: string; connected: boolean }[] }>(second.url, '/api/clients');
    expect(clientsAfter.clients.map((c) => c.id).sort()).toEqual(clientsBefore.clients.map((c) => c.id).sort());
    expect(clientsAfter.clients.every((c) => c.connected)).toBe(true);
  });
});
