// The event stream against its schemas: every event a task's life publishes (creation, clients
// joining and leaving, rounds with their phases, reports and commits, state changes) has the
// payload packages/protocol lists for its type, in the envelope the stream sends.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { EventEnvelope, EventPayloads, encodeFrame, type EventType } from '@flotilla/protocol';
import type { BusEvent } from '../events/EventBus.ts';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const zeros = () => SHAPES.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }));
interface Plan { taskId: string; round: number; modelVersion: number }

const envelope = TypeCompiler.Compile(EventEnvelope);
const payloads = new Map(Object.entries(EventPayloads.properties).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));

/** What is wrong with an event, or null: its payload against its type's schema, its envelope against EventEnvelope. */
function violation(e: BusEvent): string | null {
  const payload = payloads.get(e.type)!;
  if (!payload.Check(e.data)) return `${e.type} payload at ${payload.Errors(e.data).First()?.path}: ${payload.Errors(e.data).First()?.message}`;
  const sent = { taskId: e.taskId, at: e.at, seq: e.seq };
  return envelope.Check(sent) ? null : `${e.type} envelope: ${envelope.Errors(sent).First()?.message}`;
}

describe('event payloads', () => {
  let coordinator: TestCoordinator;
  const events: BusEvent[] = [];
  const clients: RawClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    coordinator.app.coordinator.bus.subscribe((e) => events.push(e));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await coordinator?.close();
  });

  it('match the schema of their type through a task\'s life', async () => {
    const taskId = await createTask(coordinator.url, smallTask({ fit: { minAvailableClients: 2 }, stop: { maxRounds: 2 }, data: { testLimit: 100 } }), false);
    for (let i = 0; i < 2; i++) {
      const c = new RawClient(coordinator.url);
      await c.hello({ taskId });
      clients.push(c);
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
    }
    await api(coordinator.url, `/api/tasks/${taskId}/start`, { method: 'POST' });
    await eventually(() => (events.some((e) => e.type === 'task.state' && e.data.state === 'completed') ? true : undefined), 60_000, 'the task to complete');
    clients.pop()!.close();
    await eventually(() => (events.some((e) => e.type === 'client.left') ? true : undefined), 10_000, 'a client to leave');

    const seen = new Set(events.map((e) => e.type));
    const expected: EventType[] = ['task.created', 'client.joined', 'task.state', 'round.started', 'round.phase', 'round.report', 'round.committed', 'client.left'];

    expect([...seen]).toEqual(expect.arrayContaining(expected));
    expect(events.map(violation).filter((v) => v !== null)).toEqual([]);
  });
});
