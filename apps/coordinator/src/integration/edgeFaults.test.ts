// An edge aggregator process killed with SIGKILL mid-round: its clients reconnect to the other edge
// they were given, the round commits from the living edge's reports, the next round trains all four
// clients again, and nothing committed is lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { TfjsTrainer, type FlotillaClient, type Trainer } from '@flotilla/client';
import { initNodeBackend } from '@flotilla/models';
import type { PartitionSpec } from '@flotilla/protocol';
import { startEdge, type StartedEdge } from '../edges/EdgeServer.ts';
import { api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { startEdgeProcess } from '../testing/edgeProcess.ts';
import { startNatsServer, type TestNatsServer } from '../testing/natsServer.ts';

interface Round { round: number; outcome: string; selected: number; reported: number; dropped: number; reason: string | null }
interface TaskView { state: string; currentRound: { round: number; phase: string } | null }

const partition: PartitionSpec = { kind: 'iid', numClients: 4, seed: 5, examplesPerClient: 40 };

describe('an edge killed mid-round', () => {
  let nats: TestNatsServer;
  let root: TestCoordinator;
  let edgeA: StartedEdge;
  let edgeB: ChildProcess;
  const clients: FlotillaClient[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    root = await startTestCoordinator({ edges: { natsUrl: nats.url, partialTimeoutMs: 3_000 } });
    edgeA = await startEdge({ natsUrl: nats.url, edgeId: 'edge-a', host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    for (const c of clients) c.stop();
    edgeB?.kill('SIGKILL');
    await edgeA?.close();
    await root?.close();
    await nats?.stop();
  });

  it('commits the round from the edge that lives; its clients move to the other edge and train the next round', async () => {
    const started = await startEdgeProcess(nats.url, 'edge-b');
    edgeB = started.child;
    const taskId = await createTask(root.url, smallTask({
      data: { partition, testLimit: 300 }, fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 2, minReports: 2, roundDeadlineMs: 20_000 },
    }), false);
    const { backend } = await initNodeBackend('auto');
    const inner = new TfjsTrainer({ backend });
    // edge-b's clients train slowly, so the kill lands while their round is in flight.
    const slow: Trainer = { device: () => inner.device(), train: async (job) => { await new Promise((r) => setTimeout(r, 4_000)); return inner.train(job); } };
    clients.push(...await startMnistClients(edgeA.url, taskId, partition, [0, 1], inner));
    clients.push(...await startMnistClients(started.url, taskId, partition, [2, 3], slow, [edgeA.url]));
    // Every client on, then the task starts: round 1 selects all four.
    await eventually(async () => ((await api<{ clients: number }>(root.url, '/healthz')).body.clients === 4 ? true : undefined), 20_000, 'four clients');
    expect((await api(root.url, `/api/tasks/${taskId}/start`, { method: 'POST' })).status).toBe(200);

    await eventually(async () => {
      const { body } = await api<TaskView>(root.url, `/api/tasks/${taskId}`);
      return body.currentRound?.round === 1 && body.currentRound.phase === 'reporting' ? true : undefined;
    }, 30_000, 'round 1 to be reporting');
    edgeB.kill('SIGKILL');

    const done = await eventually(async () => {
      const { body } = await api<TaskView>(root.url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? true : undefined;
    }, 30_000, 'the task to complete').catch((err: Error) => err);
    const { body } = await api<{ rounds: Round[] }>(root.url, `/api/tasks/${taskId}/rounds`);
    expect({ done, rounds: body.rounds }).toMatchObject({ done: true });
    // Round 1: edge-b's two clients are dropouts (their training was cut by the kill); edge-a's two reports commit it.
    // Round 2: they are back, on edge-a, and all four report.
    expect(body.rounds.map((r) => [r.round, r.outcome, r.selected, r.reported, r.dropped])).toEqual([[1, 'committed', 4, 2, 2], [2, 'committed', 4, 4, 0]]);
    for (const version of [1, 2]) {
      expect((await fetch(`${root.url}/api/tasks/${taskId}/models/${version}/weights.frame`)).status).toBe(200);
    }
    const { body: listed } = await api<{ clients: { connected: boolean; edge?: string }[] }>(root.url, '/api/clients');
    expect(listed.clients.filter((c) => c.connected).map((c) => c.edge)).toEqual(['edge-a', 'edge-a', 'edge-a', 'edge-a']);
  });
});
