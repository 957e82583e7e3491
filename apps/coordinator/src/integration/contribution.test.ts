// Contribution assessment over real sockets: five Node clients train MNIST with the real tfjs
// trainer, one of them on shuffled labels. GTG-Shapley values each committed round on the
// coordinator's validation split; the noisy client ranks last in the API and the CSV, the
// `exclude` policy stops selecting it once it was judged, each client hears only its own standing,
// and a restarted coordinator shows the same cumulative values.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ByzantineTrainer, FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, resolveAttack, type ClientEvent, type Trainer, type WebSocketLike,
} from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { ErrorCodes, type ContributionView, type PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 5, seed: 3, examplesPerClient: 100 };
const ROUNDS = 4;
const MIN_ROUNDS = 2;
const SHUFFLED = 4;
type Standing = Extract<ClientEvent, { type: 'standing' }>;

describe('contribution assessment over real WebSockets', () => {
  let coordinator: TestCoordinator;
  let taskId: string;
  let clients: FlotillaClient[] = [];
  const heard = new Map<number, Standing[]>();
  let shuffledId: string;

  async function startClients(trainer: Trainer): Promise<FlotillaClient[]> {
    const train = await loadMnist('train');
    const weights = new WeightsCache();
    return [0, 1, 2, 3, 4].map((i) => {
      heard.set(i, []);
      const client = new FlotillaClient({
        url: coordinator.url, kind: 'node', taskId, partitionIndex: i, weights, identity: memoryIdentity(),
        trainer: i === SHUFFLED ? new ByzantineTrainer(trainer, resolveAttack('labelshuffle')) : trainer,
        data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
        webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
        backoff: { baseMs: 50, maxMs: 500 },
        onEvent: (e) => { if (e.type === 'standing') heard.get(i)!.push(e); },
      });
      client.start();
      return client;
    });
  }

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    taskId = await createTask(coordinator.url, smallTask({
      name: 'contribution', data: { partition, testLimit: 200 },
      fit: { minAvailableClients: 4, minFitClients: 4, learningRate: 0.1 },
      stop: { maxRounds: ROUNDS, minReports: 4 },
      contribution: { enabled: true, method: 'gtg', validation: { examples: 200 }, selection: { policy: 'exclude', minRounds: MIN_ROUNDS } },
    }), false);
    clients = await startClients(new TfjsTrainer({ backend: (await initNodeBackend('auto')).backend }));
    // Every client is there for round 1, so the noisy one is valued from the first round on.
    await eventually(() => (coordinator.app.coordinator.registry.size === 5 ? true : undefined), 30_000, 'five clients');
    await api(coordinator.url, `/api/tasks/${taskId}/start`, { method: 'POST' });
    await eventually(async () => ((await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`)).body.state === 'completed' ? true : undefined), 120_000, 'the task to complete');
    // Valuation trails the commit: the last round's values land after the task completed.
    await eventually(async () => {
      const { body } = await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`);
      return body.rounds.length === ROUNDS ? true : undefined;
    }, 60_000, 'every round valued');
    shuffledId = clients[SHUFFLED]!.clientId!;
  }, 180_000);

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  it('values every committed round by GTG-Shapley on the held-out split, the values adding up to the round\'s gain', async () => {
    const { body } = await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`);
    expect(body.validation).toBe('200 held-out examples of MNIST (training set) that no client holds');
    for (const round of body.rounds) {
      expect(round).toMatchObject({ method: 'gtg', metric: 'accuracy', truncated: false });
      const sum = Object.values(round.values).reduce((a, b) => a + b, 0);
      // Within-round truncation stops a permutation within truncationTolerance (0.005) of u(all).
      expect(Math.abs(sum - (round.fullUtility - round.baseUtility))).toBeLessThan(0.01);
      expect(round.evaluations).toBeLessThanOrEqual(2 ** Object.keys(round.values).length);
    }
    expect(body.rounds[0]!.fullUtility).toBeGreaterThan(body.rounds[0]!.baseUtility);
  });

  it('ranks the client with shuffled labels last, in the API and in the CSV', async () => {
    const { body } = await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`);
    expect(body.standings).toHaveLength(5);
    expect(body.standings.at(-1)).toMatchObject({ clientId: shuffledId, rank: 5, share: 0, reward: 0, selectionWeight: 0 });
    expect(body.standings.at(-1)!.cumulative).toBeLessThan(0);
    for (const s of body.standings.slice(0, 4)) expect(s.cumulative).toBeGreaterThan(0);
    const csv = await fetch(`${coordinator.url}/api/tasks/${taskId}/contributions.csv`, { headers: { authorization: `Bearer ${coordinator.operatorToken}` } });
    const rows = (await csv.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe('rank,client,cumulative,rounds,share,reward');
    expect(rows.at(-1)!.startsWith(`5,${shuffledId},-`)).toBe(true);
  });

  it('stops selecting the noisy client once it was judged (exclude after minRounds), the others keep training', async () => {
    const { body } = await api<{ rounds: { round: number; selected: number }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    const selected = await Promise.all(body.rounds.map(async (r) => (await api<{ clients: { clientId: string }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds/${r.round}`)).body.clients.map((c) => c.clientId)));
    const { rounds: valued } = (await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`)).body;
    // Under exclude, a round is selected once every earlier round is valued: the first round after
    // the one that left the noisy client judged (valued in minRounds rounds) and negative leaves it out.
    let cumulative = 0;
    let judgedAfter = 0;
    for (const [k, r] of valued.entries()) {
      cumulative += r.values[shuffledId] ?? 0;
      if (k + 1 >= MIN_ROUNDS && cumulative < 0) {
        judgedAfter = r.round;
        break;
      }
    }
    expect(judgedAfter).toBeGreaterThanOrEqual(MIN_ROUNDS);
    expect(judgedAfter).toBeLessThan(ROUNDS);
    for (const [k, ids] of selected.entries()) {
      expect(ids.includes(shuffledId)).toBe(k + 1 <= judgedAfter);
      expect(ids).toHaveLength(k + 1 <= judgedAfter ? 5 : 4);
    }
  });

  it('tells each valued client its own standing and nothing about anyone else', async () => {
    const { body } = await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`);
    for (const [i, client] of clients.entries()) {
      const own = body.standings.find((s) => s.clientId === client.clientId)!;
      const messages = heard.get(i)!;
      const valuedIn = body.rounds.filter((r) => r.values[client.clientId!] !== undefined);
      expect(messages.map((m) => m.round)).toEqual(valuedIn.map((r) => r.round));
      messages.forEach((m, k) => expect(m.value).toBeCloseTo(valuedIn[k]!.values[client.clientId!]!, 12));
      expect(Object.keys(messages.at(-1)!).sort()).toEqual(['cumulative', 'of', 'rank', 'reward', 'round', 'share', 'type', 'value']);
      expect(messages.at(-1)!.of).toBeGreaterThanOrEqual(4);
      if (i !== SHUFFLED) expect(messages.at(-1)!.cumulative).toBeCloseTo(own.cumulative, 12);
    }
    expect(heard.get(SHUFFLED)!.at(-1)!.rank).toBe(5);
  });

  it('refuses contribution under secure aggregation with FLT_CONTRIBUTION_INCOMPATIBLE, saying why', async () => {
    const { status, body } = await api<{ code: string; message: string }>(coordinator.url, '/api/tasks', {
      method: 'POST', body: smallTask({ contribution: { enabled: true }, privacy: { secureAggregation: { enabled: true } } }),
    });
    expect(status).toBe(400);
    expect(body.code).toBe(ErrorCodes.CONTRIBUTION_INCOMPATIBLE);
    expect(body.message).toMatch(/only the sum/);
  });

  it('keeps the cumulative values across a restart', async () => {
    const before = (await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`)).body;
    for (const c of clients) c.stop();
    clients = [];
    await coordinator.close();
    coordinator = await startTestCoordinator({ dataDir: coordinator.dataDir });
    const after = (await api<ContributionView>(coordinator.url, `/api/tasks/${taskId}/contributions`)).body;
    expect(after.standings).toEqual(before.standings);
    expect(after.rounds).toEqual(before.rounds);
  });
});
