// Operator control of a task (start, pause, resume, stop) and the event stream dashboards watch.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, encodeFrame } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, operatorHeaders, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const zeros = () => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
interface Plan { taskId: string; round: number; modelVersion: number }
interface TaskView { state: string; lastRound: number; modelVersion: number; stopReason: string | null; currentRound: { round: number; phase: string } | null }

/** A client that answers every plan at once with a zero update. */
async function echoClient(url: string, taskId: string): Promise<RawClient> {
  const c = new RawClient(url);
  await c.hello({ taskId });
  void (async () => {
    for (;;) {
      const plan = await c.next<Plan>('round.plan', 600_000).catch(() => null);
      if (!plan) return;
      c.send(encodeFrame({
        type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 10,
        metrics: { loss: 1, accuracy: 0.1, trainMs: 1 },
      }, zeros()));
    }
  })();
  return c;
}

describe('task control and events', () => {
  let coordinator: TestCoordinator;
  let taskId: string;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    taskId = await createTask(coordinator.url, smallTask({ fit: { minAvailableClients: 2 }, stop: { maxRounds: 1000 }, data: { testLimit: 200 } }), false);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await coordinator?.close();
  });

  const task = async () => (await api<TaskView>(coordinator.url, `/api/tasks/${taskId}`)).body;
  const control = (action: string) => api<TaskView & { code?: string }>(coordinator.url, `/api/tasks/${taskId}/${action}`, { method: 'POST' });

  it('refuses controls that make no sense in the current state with FLT_TASK_STATE', async () => {
    expect((await task()).state).toBe('created');
    const pause = await control('pause');
    expect(pause.status).toBe(409);
    expect(pause.body.code).toBe(ErrorCodes.TASK_STATE);
    expect((await api(coordinator.url, '/api/tasks/no-such-task/start', { method: 'POST' })).status).toBe(404);
  });

  it('runs rounds once started, stops starting them when paused, and goes on when resumed', async () => {
    clients.push(await echoClient(coordinator.url, taskId), await echoClient(coordinator.url, taskId));
    expect((await control('start')).body.state).toBe('running');
    await eventually(async () => ((await task()).lastRound >= 2 ? true : undefined), 30_000, 'two rounds');

    expect((await control('pause')).body.state).toBe('paused');
    // The round in flight may finish; after that no new round starts.
    const settled = await eventually(async () => {
      const t = await task();
      return t.currentRound === null ? t : undefined;
    }, 30_000, 'the round in flight to end');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await task()).lastRound).toBe(settled.lastRound);

    expect((await control('resume')).body.state).toBe('running');
    await eventually(async () => ((await task()).lastRound >= settled.lastRound + 2 ? true : undefined), 30_000, 'rounds after resuming');

    const stopped = await control('stop');
    expect(stopped.body).toMatchObject({ state: 'stopped', stopReason: 'stopped by the operator' });
    expect((await control('resume')).status).toBe(409);
  });

  it('streams events with ids and replays what a viewer missed after Last-Event-ID', async () => {
    const read = async (headers: Record<string, string>) => {
      const abort = new AbortController();
      const response = await fetch(`${coordinator.url}/api/events?taskId=${taskId}&ephemeral=false`, { headers: { ...operatorHeaders(), ...headers }, signal: abort.signal });
      const reader = response.body!.getReader();
      let text = '';
      const until = Date.now() + 2000;
      while (Date.now() < until && !text.includes('event: task.state\n') ) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      // Let the replay finish flushing before closing.
      await new Promise((r) => setTimeout(r, 300));
      abort.abort();
      return text;
    };
    const all = await read({});
    const ids = [...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(5);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all).toMatch(/event: round\.committed\ndata: .*"testAccuracy"/);

    const middle = ids[Math.floor(ids.length / 2)]!;
    const resumed = await read({ 'last-event-id': String(middle) });
    const resumedIds = [...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(resumedIds[0]).toBe(ids.find((id) => id > middle));
  });
});
