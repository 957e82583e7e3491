// Buffered asynchronous training (FedBuff) over real sockets: a fast client contributes more
// updates than a slow one, an update staler than maxStaleness is refused and never reaches the
// model, and a restarted coordinator carries on from the last committed version.

import { afterEach, describe, expect, it } from 'vitest';
import { TfjsTrainer, type FlotillaClient, type Trainer } from '@flotilla/client';
import { initNodeBackend } from '@flotilla/models';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ErrorCodes, EventPayloads, encodeFrame, type PartitionSpec, type RoundSummaryView, type TaskView } from '@flotilla/protocol';
import type { BusEvent } from '../events/EventBus.ts';
import { RawClient, api, createTask, eventually, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 2, seed: 5, examplesPerClient: 60 };
const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const zeros = () => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));

const asyncTask = (asynchronous: Record<string, unknown>, maxRounds: number) => smallTask({
  data: { partition, testLimit: 200 }, fit: { minAvailableClients: 2, epochs: 1 }, stop: { maxRounds }, asynchronous: { enabled: true, ...asynchronous },
});

/** A client on a slower device: the same training, then a fixed pause before the update goes up. */
const slowed = (inner: Trainer, delayMs: number): Trainer => ({
  device: () => inner.device(),
  train: async (job) => {
    const outcome = await inner.train(job);
    await new Promise((r) => setTimeout(r, delayMs));
    return outcome;
  },
});

const view = async (c: TestCoordinator, taskId: string) => (await api<TaskView>(c.url, `/api/tasks/${taskId}`)).body;
const rounds = async (c: TestCoordinator, taskId: string) => (await api<{ rounds: RoundSummaryView[] }>(c.url, `/api/tasks/${taskId}/rounds`)).body.rounds;

describe('asynchronous tasks (FedBuff)', () => {
  let coordinators: TestCoordinator[] = [];
  let clients: FlotillaClient[] = [];
  let raw: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients) c.stop();
    for (const r of raw) r.close();
    for (const c of coordinators) await c.close();
    coordinators = [];
    clients = [];
    raw = [];
  });

  it('commits a version per buffer of K updates, and a fast client contributes more of them than a slow one', async () => {
    // Arrange
    const coordinator = await startTestCoordinator();
    coordinators.push(coordinator);
    const events: BusEvent[] = [];
    coordinator.app.coordinator.bus.subscribe((e) => events.push(e));
    const taskId = await createTask(coordinator.url, asyncTask({ bufferSize: 2, concurrency: 2, maxStaleness: 10 }, 4));
    const { backend } = await initNodeBackend('auto');
    const trainer = new TfjsTrainer({ backend });
    const [fast] = await startMnistClients(coordinator.url, taskId, partition, [0], trainer);
    const [slow] = await startMnistClients(coordinator.url, taskId, partition, [1], slowed(trainer, 1_500));
    clients.push(fast!, slow!);
    // Act
    const done = await eventually(async () => {
      const task = await view(coordinator, taskId);
      return task.state === 'completed' ? task : undefined;
    }, 60_000, 'the asynchronous task to complete');
    // Assert: four commits of two updates each, one version per commit, no round.end needed by the clients
    const committed = await rounds(coordinator, taskId);
    expect(done.stopReason).toBe('round budget spent');
    expect(done.modelVersion).toBe(4);
    expect(committed.map((r) => [r.round, r.outcome, r.modelVersion, r.asynchronous?.bufferSize])).toEqual([1, 2, 3, 4].map((n) => [n, 'committed', n, 2]));
    const contributed = (id: string | null) => committed.reduce((n, r) => n + (r.asynchronous?.updatesByClient[id!] ?? 0), 0);
    expect(contributed(fast!.clientId)).toBeGreaterThan(contributed(slow!.clientId));
    expect(contributed(fast!.clientId) + contributed(slow!.clientId)).toBe(8);
    // The slow client's updates arrive after versions it did not train on: their staleness is recorded.
    expect(Math.max(...committed.map((r) => r.asynchronous!.maxStaleness))).toBeGreaterThanOrEqual(1);
    expect(fast!.history.filter((h) => h.accepted).length).toBeGreaterThanOrEqual(contributed(fast!.clientId));
    // The dashboards follow the buffer and the trailing evaluations through events that fit their schemas.
    await eventually(() => (events.some((e) => e.type === 'round.evaluated') ? true : undefined), 30_000, 'an evaluated commit');
    const types = new Set(events.map((e) => e.type));
    expect([...types]).toEqual(expect.arrayContaining(['buffer.update', 'round.committed', 'round.evaluated']));
    expect(types.has('round.started')).toBe(false);
    const bad = events.filter((e) => !TypeCompiler.Compile(EventPayloads.properties[e.type]).Check(e.data)).map((e) => e.type);
    expect(bad).toEqual([]);
    const evaluated = (await rounds(coordinator, taskId)).filter((r) => r.testAccuracy !== null);
    expect(evaluated.length).toBeGreaterThan(0);
  });

  it('refuses an update staler than maxStaleness with FLT_STALE_UPDATE and leaves the model as it was', async () => {
    // Arrange: K = 1, so any accepted update would commit a version at once
    const coordinator = await startTestCoordinator();
    coordinators.push(coordinator);
    const taskId = await createTask(coordinator.url, asyncTask({ bufferSize: 1, concurrency: 2, maxStaleness: 1 }, 100));
    const holder = new RawClient(coordinator.url);
    raw.push(holder);
    const { clientId: holderId } = await holder.hello({ taskId });
    const [fast] = await startMnistClients(coordinator.url, taskId, partition, [0]);
    clients.push(fast!);
    const plan = await holder.next<{ taskId: string; round: number; modelVersion: number; asynchronous?: boolean }>('round.plan', 30_000);
    await eventually(async () => ((await view(coordinator, taskId)).modelVersion >= plan.modelVersion + 2 ? true : undefined), 60_000, 'two versions past the held plan');
    fast!.stop();
    await eventually(async () => ((await view(coordinator, taskId)).currentBuffer?.inFlight === 1 ? true : undefined), 10_000, 'only the held plan in flight');
    const before = await view(coordinator, taskId);
    // Act
    holder.send(encodeFrame({
      type: 'update', taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 10, metrics: { loss: 1, accuracy: 0.1, trainMs: 1 },
    }, zeros()));
    const error = await holder.next<{ code: string; fatal: boolean }>('error');
    // Assert
    expect(plan.asynchronous).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.STALE_UPDATE, fatal: false });
    const after = await view(coordinator, taskId);
    expect(after.modelVersion).toBe(before.modelVersion);
    expect(after.currentBuffer).toMatchObject({ filled: 0, refusedStale: 1, refusedStaleTotal: 1 });
    expect((await rounds(coordinator, taskId)).some((r) => holderId in (r.asynchronous?.updatesByClient ?? {}))).toBe(false);
    // Not fatal: the client stays connected.
    const listed = (await api<{ clients: { id: string; connected: boolean }[] }>(coordinator.url, '/api/clients')).body.clients;
    expect(holder.closed).toBeNull();
    expect(listed.find((c) => c.id === holderId)?.connected).toBe(true);
  });

  it('resumes from the last committed version after the coordinator restarts on the same data directory', async () => {
    // Arrange
    const first = await startTestCoordinator();
    const taskId = await createTask(first.url, asyncTask({ bufferSize: 2, concurrency: 2 }, 100));
    clients.push(...await startMnistClients(first.url, taskId, partition, [0, 1]));
    const before = await eventually(async () => {
      const task = await view(first, taskId);
      return task.modelVersion >= 1 ? task : undefined;
    }, 60_000, 'a committed version');
    const committedWeights = Buffer.from(await (await fetch(`${first.url}/api/tasks/${taskId}/models/${before.modelVersion}/weights.frame`)).arrayBuffer());
    // Act: stop the coordinator mid-task (its in-flight buffer is lost) and start it on the same directory and port
    await first.close();
    const second = await startTestCoordinator({ dataDir: first.dataDir, port: Number(new URL(first.url).port) });
    coordinators.push(second);
    // What `npm start` does after a restart: running tasks resume from the store.
    expect(await second.app.coordinator.tasks.resumeRunning()).toEqual([taskId]);
    const resumed = await view(second, taskId);
    // Assert: running on from the committed version, nothing committed lost, committing further versions with the same clients
    expect(resumed.state).toBe('running');
    expect(resumed.modelVersion).toBeGreaterThanOrEqual(before.modelVersion);
    expect(resumed.currentBuffer).toMatchObject({ modelVersion: resumed.modelVersion, filled: 0 });
    const kept = Buffer.from(await (await fetch(`${second.url}/api/tasks/${taskId}/models/${before.modelVersion}/weights.frame`)).arrayBuffer());
    expect(kept.equals(committedWeights)).toBe(true);
    await eventually(async () => ((await view(second, taskId)).modelVersion >= resumed.modelVersion + 1 ? true : undefined), 60_000, 'a version after the restart');
    const all = await rounds(second, taskId);
    expect(all.map((r) => r.round)).toEqual(all.map((_, i) => i + 1));
    expect(all.every((r) => r.outcome === 'committed' && r.asynchronous !== null && r.asynchronous !== undefined)).toBe(true);
  });
});
