// centeredclip keeps a centre between rounds: it is checkpointed with the model, and a coordinator
// restarted on the same data directory resumes with it rather than from zero.

import { afterAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '@flotilla/protocol';
import { RawClient, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const tensors = (fill: number) => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) }));

interface Plan { taskId: string; round: number; modelVersion: number }

describe('centeredclip across a restart', () => {
  const open: TestCoordinator[] = [];
  const sockets: RawClient[] = [];

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of open) await c.close();
  });

  it('restores the centre from the last checkpoint', async () => {
    // Arrange: two clients report fixed updates for one round
    const first = await startTestCoordinator();
    open.push(first);
    const taskId = await createTask(first.url, smallTask({
      strategy: { name: 'centeredclip', clipRadius: 0.5, clipIterations: 2, clipMomentum: 0.5 },
      fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 50, minReports: 2 },
    }));
    const clients = [new RawClient(first.url), new RawClient(first.url)];
    sockets.push(...clients);
    for (const c of clients) await c.hello({ taskId, numExamples: 120 });
    for (const [i, c] of clients.entries()) {
      const plan = await c.next<Plan>('round.plan');
      c.send(encodeFrame({ type: 'update', taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 120, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } }, tensors(i === 0 ? 0.001 : -0.003)));
    }
    const runner = () => first.app.coordinator.tasks.runner(taskId)!;
    await eventually(() => (runner().version >= 1 ? true : undefined), 30_000, 'round 1 to commit');
    const centre = runner().strategy.exportState().centre!;
    expect(centre).toBeInstanceOf(Float32Array);
    expect(centre.some((x) => x !== 0)).toBe(true);
    // Act: a graceful stop keeps the task running in the store; a new coordinator takes over
    for (const s of sockets) s.close();
    await first.close();
    open.pop();
    const second = await startTestCoordinator({ dataDir: first.dataDir });
    open.push(second);
    await second.app.coordinator.tasks.resumeRunning();
    // Assert
    const restored = second.app.coordinator.tasks.runner(taskId)!.strategy.exportState().centre!;
    expect(Array.from(restored)).toEqual(Array.from(centre));
  });
});
