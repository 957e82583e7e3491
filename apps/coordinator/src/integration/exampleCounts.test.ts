// A client's example count is its weight: over real sockets, an inflated or mismatched count is
// refused with FLT_BAD_EXAMPLE_COUNT at hello, at selection and in an update, and never weighs in,
// also under secure aggregation, where the count is a word of the masked sum.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, PROTOCOL_VERSION, decodeFrame, encodeFrame } from '@flotilla/protocol';
import { RawClient, createTask, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const tensors = (fill: number) => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) }));

interface Plan { type: 'round.plan'; taskId: string; round: number; modelVersion: number; secureAggregation?: { maxSummands: number; maxWeight: number } }
interface ErrorMsg { type: 'error'; code: string; fatal: boolean; message: string }

const update = (plan: Plan, numExamples: number) => ({
  type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples,
  metrics: { loss: 1, accuracy: 0.5, trainMs: 10 },
});

async function weights(url: string, taskId: string, version: string | number): Promise<Float32Array> {
  const frame = decodeFrame(new Uint8Array(await (await fetch(`${url}/api/tasks/${taskId}/models/${version}/weights.frame`)).arrayBuffer()));
  return Float32Array.from(frame.tensors.flatMap((t) => Array.from(t.values)));
}

describe('example counts over real sockets', () => {
  let coordinator: TestCoordinator;
  let fresh: TestCoordinator | null = null;
  const sockets: RawClient[] = [];
  const raw = (url = coordinator.url) => {
    const c = new RawClient(url);
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await fresh?.close();
    await coordinator?.close();
  });

  it('refuses at hello a count above the task\'s cap, or other than the partition\'s size, and closes', async () => {
    // Arrange: a simulation of 5 partitions of 120 examples, capped at 500 examples per client
    const taskId = await createTask(coordinator.url, smallTask({ limits: { maxExamplesPerClient: 500 }, fit: { minAvailableClients: 5 } }));
    for (const hello of [{ numExamples: 2 ** 31 }, { numExamples: 501 }, { partitionIndex: 0, numExamples: 121 }, { partitionIndex: 9, numExamples: 120 }]) {
      const c = raw();
      await c.opened();
      // Act
      c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, taskId, ...hello });
      // Assert
      const error = await c.next<ErrorMsg>('error');
      expect(error, JSON.stringify(hello)).toMatchObject({ code: ErrorCodes.BAD_EXAMPLE_COUNT, fatal: true });
      expect((await c.waitClosed()).code).toBe(1008);
    }
    // The partition's own size is welcome.
    await raw().hello({ taskId, partitionIndex: 0, numExamples: 120 });
  });

  it('refuses an update whose count is not its partition\'s size, and the model moves by the honest update alone', async () => {
    // Arrange: two simulated clients of 120 examples each, one report suffices to commit
    const taskId = await createTask(coordinator.url, smallTask({
      fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 1, minReports: 1 },
    }));
    const before = await weights(coordinator.url, taskId, 0);
    const liar = raw();
    const honest = raw();
    await liar.hello({ taskId, partitionIndex: 0, numExamples: 120 });
    await honest.hello({ taskId, partitionIndex: 1, numExamples: 120 });
    const [planL, planH] = [await liar.next<Plan>('round.plan'), await honest.next<Plan>('round.plan')];
    // Act: the liar reports fewer examples than it holds, then more (its hello's 120 was honest)
    liar.send(encodeFrame(update(planL, 119), tensors(0.5)));
    const refused = await liar.next<ErrorMsg>('error');
    honest.send(encodeFrame(update(planH, 120), tensors(0.001)));
    await honest.next('update.ack');
    // Assert
    expect(refused.code).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect((await honest.next<{ outcome: string }>('round.end')).outcome).toBe('committed');
    const after = await weights(coordinator.url, taskId, 1);
    for (let i = 0; i < after.length; i += 997) expect(after[i]! - before[i]!).toBeCloseTo(0.001, 6);
  });

  it('under secure aggregation, leaves a client that claims more than the cap out of the masked sum', async () => {
    // Arrange: on a coordinator without tasks, a client joins unbound claiming 2^31 examples
    // (3 such would wrap 2^32); then a secure task starts.
    fresh = await startTestCoordinator();
    const url = fresh.url;
    const greedy = raw(url);
    await greedy.hello({ numExamples: 2 ** 31 });
    const taskId = await createTask(url, smallTask({
      data: { simulation: false }, limits: { maxExamplesPerClient: 1000 },
      fit: { fractionFit: 1, minAvailableClients: 2, minFitClients: 2 },
      privacy: { secureAggregation: { enabled: true, mode: 'full' } },
    }));
    const a = raw(url);
    const b = raw(url);
    await a.hello({ taskId, numExamples: 800 });
    await b.hello({ taskId, numExamples: 700 });
    // Act
    const plan = await a.next<Plan>('round.plan');
    // Assert: the greedy client is connected and unbound (so eligible), yet not selected: the
    // round masks 2 inputs whose weights are at most 800, far from wrapping.
    expect(plan.secureAggregation).toMatchObject({ maxSummands: 2, maxWeight: 800 });
    expect(greedy.closed).toBeNull();
    // A bound client claiming more than the cap is refused at hello, before any plan.
    const late = raw(url);
    await late.opened();
    late.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, taskId, numExamples: 1001 });
    expect(await late.next<ErrorMsg>('error')).toMatchObject({ code: ErrorCodes.BAD_EXAMPLE_COUNT, fatal: true });
  });
});
