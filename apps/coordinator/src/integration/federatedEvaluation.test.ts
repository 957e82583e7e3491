// Federated evaluation over real sockets: clients asked after round 0 and each committed round
// evaluate the global model on their held-out data; the coordinator checks each report, stores
// the weighted metrics and their spread, publishes progress, never waits past its deadline, and
// stops at the target on the federated accuracy when it holds no test set.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, encodeFrame, type DataSchema, type ModelSpec } from '@flotilla/protocol';
import type { BusEvent } from '../events/EventBus.ts';
import { fetchWeights, evaluateWeights, syntheticRows } from '../testing/evaluation.ts';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const schema: DataSchema = {
  kind: 'tabular', features: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const })), label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};
const model: ModelSpec = { kind: 'schema', architecture: 'logreg' };

interface EvaluatePlan { type: 'evaluate.plan'; taskId: string; round: number; modelVersion: number; weightsUrl: string; deadline: number; schema: DataSchema }
interface Plan { taskId: string; round: number; modelVersion: number }
interface Summary { round: number; modelVersion: number; asked: number; clients: number; failed: number; examples: number; loss: number; accuracy: number; spread: Record<string, number> }

describe('federated evaluation', () => {
  let coordinator: TestCoordinator;
  const sockets: RawClient[] = [];
  const events: BusEvent[] = [];
  const heldOut = [0, 1, 2, 3].map((k) => syntheticRows(100 + k, 10 + 5 * k));

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    coordinator.app.coordinator.bus.subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await coordinator?.close();
  });

  const honestReport = async (plan: EvaluatePlan, k: number) => {
    const weights = await fetchWeights(coordinator.url, plan.weightsUrl);
    const metrics = await evaluateWeights(model, schema, weights, heldOut[k]!);
    return { type: 'evaluation', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: heldOut[k]!.count, metrics };
  };
  const expectedSummary = async (weightsUrl: string, ks: number[]) => {
    const weights = await fetchWeights(coordinator.url, weightsUrl);
    const each = await Promise.all(ks.map((k) => evaluateWeights(model, schema, weights, heldOut[k]!)));
    const n = ks.map((k) => heldOut[k]!.count);
    const total = n.reduce((a, b) => a + b, 0);
    return {
      examples: total,
      loss: each.reduce((s, e, i) => s + e.loss * n[i]!, 0) / total,
      accuracy: each.reduce((s, e, i) => s + e.accuracy * n[i]!, 0) / total,
      min: Math.min(...each.map((e) => e.accuracy)), max: Math.max(...each.map((e) => e.accuracy)),
    };
  };

  it('evaluates round 0 and each committed round on the clients, checks every report and stops at the federated target', async () => {
    const taskId = await createTask(coordinator.url, smallTask({
      model,
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 4, seed: 5 }, clientTestFraction: 0.2 },
      evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 4, deadlineMs: 4_000 } },
      fit: { minAvailableClients: 4, minFitClients: 4 },
      stop: { maxRounds: 5, minReports: 4, targetAccuracy: 0.01 },
    }));
    const clients = [0, 1, 2, 3].map(() => new RawClient(coordinator.url));
    sockets.push(...clients);
    const welcomes: { clientId: string }[] = [];
    for (const c of clients) welcomes.push(await c.hello({ taskId }));

    // Round 0: the initial model, asked of every connected client before anyone trains.
    const plans = await Promise.all(clients.map((c) => c.next<EvaluatePlan>('evaluate.plan')));
    expect(plans.map((p) => [p.round, p.modelVersion])).toEqual([[0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(plans[0]!.schema).toEqual(schema);

    // A lying client: a report of another model version, then one without the accuracy, then its real one.
    const liar = clients[3]!;
    liar.send({ ...(await honestReport(plans[3]!, 3)), modelVersion: 7 });
    expect((await liar.next<{ code: string }>('error')).code).toBe(ErrorCodes.STALE_ROUND);
    liar.send({ ...(await honestReport(plans[3]!, 3)), metrics: { loss: 0.3 } });
    expect((await liar.next<{ code: string }>('error')).code).toBe(ErrorCodes.EVALUATION_METRICS);
    liar.send(await honestReport(plans[3]!, 3));
    expect((await liar.next<{ code: string }>('error')).code).toBe(ErrorCodes.DUPLICATE_REPORT);
    // A client never asked (joined after the evaluation began) is refused.
    const stranger = new RawClient(coordinator.url);
    sockets.push(stranger);
    await stranger.hello({ taskId });
    stranger.send(await honestReport(plans[0]!, 0));
    expect((await stranger.next<{ code: string }>('error')).code).toBe(ErrorCodes.NOT_SELECTED);
    stranger.close();
    for (const k of [0, 1, 2]) clients[k]!.send(await honestReport(plans[k]!, k));

    const round0 = await expectedSummary(plans[0]!.weightsUrl, [0, 1, 2]);
    const { body: afterZero } = await eventually(async () => {
      const r = await api<{ evaluations: { round: number; summary: Summary; clients: { clientId: string; outcome: string; code: string | null }[] }[] }>(coordinator.url, `/api/tasks/${taskId}/evaluations`);
      return r.body.evaluations.length >= 1 ? r : undefined;
    }, 20_000, 'round 0 evaluation');
    const zero = afterZero.evaluations[0]!;
    expect(zero.summary).toMatchObject({ round: 0, modelVersion: 0, asked: 4, clients: 3, failed: 1, examples: round0.examples });
    expect(zero.summary.loss).toBeCloseTo(round0.loss, 5);
    expect(zero.summary.accuracy).toBeCloseTo(round0.accuracy, 10);
    expect(zero.summary.spread.min).toBeCloseTo(round0.min, 10);
    expect(zero.summary.spread.max).toBeCloseTo(round0.max, 10);
    expect(zero.clients.find((c) => c.clientId === welcomes[3]!.clientId)).toMatchObject({ outcome: 'rejected', code: ErrorCodes.EVALUATION_METRICS });

    // Round 1 trains (small updates), commits without a central test set, then is evaluated.
    const fits = await Promise.all(clients.map((c) => c.next<Plan>('round.plan')));
    for (const [i, c] of clients.entries()) {
      const tensors = [{ shape: [4, 2], values: Float32Array.from([0.5, -0.5, 0.5, -0.5, 0, 0, 0, 0]) }, { shape: [2], values: new Float32Array(2) }];
      c.send(encodeFrame({ type: 'update', taskId, round: fits[i]!.round, modelVersion: 0, numExamples: 40, metrics: { loss: 0.7, accuracy: 0.5, trainMs: 5 } }, tensors));
    }
    for (const c of clients) expect((await c.next<{ outcome: string }>('round.end')).outcome).toBe('committed');
    const second = await Promise.all(clients.map((c) => c.next<EvaluatePlan>('evaluate.plan')));
    expect(second.map((p) => [p.round, p.modelVersion])).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
    // One client stays silent: the evaluation ends at its deadline, it does not hold the task up.
    for (const k of [0, 1, 2]) clients[k]!.send(await honestReport(second[k]!, k));
    const round1 = await expectedSummary(second[0]!.weightsUrl, [0, 1, 2]);

    const task = await eventually(async () => {
      const { body } = await api<{ state: string; stopReason: string }>(coordinator.url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 20_000, 'the task to reach its federated target');
    expect(task.stopReason).toBe('target accuracy 0.01 reached');
    const { body: rounds } = await api<{ rounds: { round: number; testAccuracy: number | null; federated: Summary | null }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    expect(rounds.rounds).toHaveLength(1);
    expect(rounds.rounds[0]!.testAccuracy).toBeNull();
    expect(rounds.rounds[0]!.federated).toMatchObject({ round: 1, modelVersion: 1, asked: 4, clients: 3, failed: 1 });
    expect(rounds.rounds[0]!.federated!.accuracy).toBeCloseTo(round1.accuracy, 10);
    const { body: all } = await api<{ evaluations: { round: number; clients: { outcome: string }[] }[] }>(coordinator.url, `/api/tasks/${taskId}/evaluations`);
    expect(all.evaluations.map((e) => e.round)).toEqual([0, 1]);
    expect(all.evaluations[1]!.clients.map((c) => c.outcome).sort()).toEqual(['deadline', 'reported', 'reported', 'reported']);

    const mine = events.filter((e) => e.taskId === taskId && e.type.startsWith('evaluation.')).map((e) => `${e.type}:${e.data.round}`);
    expect(mine.filter((t) => t === 'evaluation.started:0' || t === 'evaluation.completed:0' || t === 'evaluation.started:1' || t === 'evaluation.completed:1'))
      .toEqual(['evaluation.started:0', 'evaluation.completed:0', 'evaluation.started:1', 'evaluation.completed:1']);
    expect(mine.filter((t) => t === 'evaluation.report:1')).toHaveLength(3);
  });
});

describe('federated evaluation across a restart', () => {
  it('evaluates round 0 once: a restarted coordinator goes on training', async () => {
    const first = await startTestCoordinator();
    const taskId = await createTask(first.url, smallTask({
      model,
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 1, seed: 5 }, clientTestFraction: 0.2 },
      evaluation: { federated: { enabled: true, minClients: 1, deadlineMs: 10_000 } },
      fit: { minAvailableClients: 1, minFitClients: 1 }, stop: { maxRounds: 3, minReports: 1 },
    }));
    const client = new RawClient(first.url);
    await client.hello({ taskId });
    const plan = await client.next<EvaluatePlan>('evaluate.plan');
    const data = syntheticRows(3, 20);
    const metrics = await evaluateWeights(model, schema, await fetchWeights(first.url, plan.weightsUrl), data);
    client.send({ type: 'evaluation', taskId, round: 0, modelVersion: 0, numExamples: data.count, metrics });
    expect((await client.next<Plan>('round.plan')).round).toBe(1);
    client.close();
    await first.close();

    const second = await startTestCoordinator({ dataDir: first.dataDir });
    try {
      expect(await second.app.coordinator.tasks.resumeRunning()).toEqual([taskId]);
      const again = new RawClient(second.url);
      await again.hello({ taskId });
      const next = await again.next();
      // Round 1 was cut short by the shutdown (abandoned, the model kept): the next one trains model 0, unevaluated again.
      expect(next).toMatchObject({ type: 'round.plan', modelVersion: 0 });
      const { body } = await api<{ evaluations: { round: number }[] }>(second.url, `/api/tasks/${taskId}/evaluations`);
      expect(body.evaluations.map((e) => e.round)).toEqual([0]);
      again.close();
    } finally {
      await second.close();
    }
  });
});
