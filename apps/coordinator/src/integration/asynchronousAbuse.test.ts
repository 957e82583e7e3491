// Asynchronous (FedBuff) tasks against clients that misbehave or outlast the task: plans in flight
// when the round budget is spent are void, even on a paused task, so no version is committed past
// it; the same update twice is refused with a code; FedNova's normalisation (adaptive work, or the
// fednova strategy) gets each update's local steps in a buffer as in a round.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, encodeFrame, type RoundSummaryView, type TaskConfigInput, type TaskView } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, operatorHeaders, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const tensors = () => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.0001) }));

interface Plan { taskId: string; round: number; modelVersion: number }
const update = (plan: Plan, extra: Record<string, unknown> = {}) => encodeFrame({
  type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 50, metrics: { loss: 1, accuracy: 0.5, trainMs: 10 }, ...extra,
}, tensors());

describe('asynchronous tasks against clients that outlast them', () => {
  // One coordinator, a task per test: each test's clients join only their own task.
  let coordinator: TestCoordinator;
  const sockets: RawClient[] = [];
  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  it('commits no version past the round budget from plans still in flight on a paused task', async () => {
    // Arrange: K = 1 and three plans in flight, a budget of one commit
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      fit: { minAvailableClients: 3 }, stop: { maxRounds: 1 }, asynchronous: { enabled: true, bufferSize: 1, concurrency: 3, maxStaleness: 5 },
    }));
    const clients = [new RawClient(url), new RawClient(url), new RawClient(url)];
    sockets.push(...clients);
    for (const c of clients) await c.hello({ taskId });
    const plans = await Promise.all(clients.map((c) => c.next<Plan>('round.plan')));
    const paused = await fetch(`${url}/api/tasks/${taskId}/pause`, { method: 'POST', headers: operatorHeaders() });
    expect(paused.status).toBe(200);
    // Act: all three report while the task is paused
    clients[0]!.send(update(plans[0]!));
    expect(await clients[0]!.next('update.ack')).toMatchObject({ round: 1 });
    for (const i of [1, 2]) clients[i]!.send(update(plans[i]!));
    // Assert: the others' plans were void once the budget was spent; one version, one round
    for (const i of [1, 2]) {
      const answer = await Promise.race([clients[i]!.next<{ code: string }>('error'), clients[i]!.next<{ outcome: string }>('round.end').then((e) => ({ code: `round.end ${e.outcome}` }))]);
      expect([ErrorCodes.NOT_SELECTED, 'round.end abandoned']).toContain(answer.code);
    }
    const task = (await api<TaskView>(url, `/api/tasks/${taskId}`)).body;
    expect(task.modelVersion).toBe(1);
    const rounds = (await api<{ rounds: RoundSummaryView[] }>(url, `/api/tasks/${taskId}/rounds`)).body.rounds;
    expect(rounds.filter((r) => r.outcome === 'committed').map((r) => r.round)).toEqual([1]);
  });

  it('refuses the same update twice and leaves the model one version on', async () => {
    // Arrange
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      fit: { minAvailableClients: 1 }, stop: { maxRounds: 50 }, asynchronous: { enabled: true, bufferSize: 1, concurrency: 1, maxStaleness: 5 },
    }));
    const c = new RawClient(url);
    sockets.push(c);
    await c.hello({ taskId });
    const plan = await c.next<Plan>('round.plan');
    // Act
    const frame = update(plan);
    c.send(frame);
    await c.next('update.ack');
    c.send(frame);
    // Assert
    const error = await c.next<{ code: string; fatal: boolean }>('error');
    expect([ErrorCodes.STALE_ROUND, ErrorCodes.NOT_SELECTED]).toContain(error.code);
    expect(error.fatal).toBe(false);
    await eventually(async () => ((await api<TaskView>(url, `/api/tasks/${taskId}`)).body.modelVersion === 1 ? true : undefined), 10_000, 'version 1');
    const rounds = (await api<{ rounds: RoundSummaryView[] }>(url, `/api/tasks/${taskId}/rounds`)).body.rounds;
    expect(rounds.filter((r) => r.outcome === 'committed')).toHaveLength(1);
  });

  it.each<[string, TaskConfigInput]>([
    ['fedavg under adaptive work', { strategy: { name: 'fedavg' }, fit: { minAvailableClients: 1, work: { kind: 'adaptive' } } }],
    ['the fednova strategy', { strategy: { name: 'fednova' }, fit: { minAvailableClients: 1 } }],
  ])('commits buffers of %s, each update normalised by the steps it reports', async (_what, overrides) => {
    // Arrange
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      ...overrides, stop: { maxRounds: 50 }, asynchronous: { enabled: true, bufferSize: 1, concurrency: 1, maxStaleness: 5 },
    }));
    const c = new RawClient(url);
    sockets.push(c);
    await c.hello({ taskId });
    const plan = await c.next<Plan & { fit: { localSteps?: number } }>('round.plan');
    // Act
    c.send(update(plan, { localSteps: Math.max(1, Math.floor((plan.fit.localSteps ?? 10) / 2)) }));
    // Assert: accepted (it was FLT_INTERNAL, every time, and the task never left version 0)
    expect(await c.next('update.ack')).toMatchObject({ round: plan.round });
    await eventually(async () => ((await api<TaskView>(url, `/api/tasks/${taskId}`)).body.modelVersion >= 1 ? true : undefined), 10_000, 'version 1');
  });

  it('accounts client-level DP per commit: ε grows with every version', async () => {
    // Arrange: K = 1, one client; each commit is one noised step of the accountant
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      fit: { minAvailableClients: 1 }, stop: { maxRounds: 3 }, asynchronous: { enabled: true, bufferSize: 1, concurrency: 1, maxStaleness: 5 },
      privacy: { differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 1.5, delta: 1e-5, targetEpsilon: 1000 } },
    }));
    const c = new RawClient(url);
    sockets.push(c);
    await c.hello({ taskId });
    // Act: three updates, three commits
    for (let i = 0; i < 3; i++) {
      const plan = await c.next<Plan>('round.plan');
      c.send(update(plan));
      await c.next('update.ack');
    }
    // Assert
    const rounds = await eventually(async () => {
      const all = (await api<{ rounds: (RoundSummaryView & { epsilon: number | null })[] }>(url, `/api/tasks/${taskId}/rounds`)).body.rounds;
      return all.filter((r) => r.outcome === 'committed').length === 3 ? all : undefined;
    }, 10_000, 'three commits');
    const spent = rounds.map((r) => r.epsilon);
    expect(spent.every((e) => typeof e === 'number' && e > 0)).toBe(true);
    expect(spent[1]!).toBeGreaterThan(spent[0]!);
    expect(spent[2]!).toBeGreaterThan(spent[1]!);
  });

  it('takes each client at most once into a robust rule\'s buffer, so a fast client cannot fill it alone', async () => {
    // Arrange: fedmedian, K = 2, two clients training at once
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({
      strategy: { name: 'fedmedian' }, fit: { minAvailableClients: 2 }, stop: { maxRounds: 3 },
      asynchronous: { enabled: true, bufferSize: 2, concurrency: 2, maxStaleness: 5 },
    }));
    const [a, b] = [new RawClient(url), new RawClient(url)];
    sockets.push(a, b);
    const idA = (await a.hello({ taskId })).clientId;
    const idB = (await b.hello({ taskId })).clientId;
    const [planA, planB] = [await a.next<Plan>('round.plan'), await b.next<Plan>('round.plan')];
    // Act: a answers at once; b later
    a.send(update(planA));
    await a.next('update.ack');
    b.send(update(planB));
    await b.next('update.ack');
    // Assert: a's next plan waited for the commit (it was sent on version 0 at once, and a could fill the buffer alone)
    expect((await a.next<Plan>('round.plan')).modelVersion).toBe(1);
    const first = await eventually(async () => (await api<{ rounds: RoundSummaryView[] }>(url, `/api/tasks/${taskId}/rounds`)).body.rounds[0], 10_000, 'the first commit');
    expect(first.asynchronous?.updatesByClient).toEqual({ [idA]: 1, [idB]: 1 });
  });
});
