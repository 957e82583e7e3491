// Every kind of bad input from a client gets its coded error; the coordinator stays up and the
// global model stays bit-identical.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, PROTOCOL_VERSION, encodeFrame } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const SHAPES = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
const tensors = (fill: (i: number) => number = () => 0.001, shapes = SHAPES) =>
  shapes.map((shape) => ({ shape, values: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)) }));

interface Plan { type: 'round.plan'; taskId: string; round: number; modelVersion: number }
interface ErrorMsg { type: 'error'; code: string; fatal: boolean }

const update = (plan: Plan, overrides: Record<string, unknown> = {}) => ({
  type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 50,
  metrics: { loss: 1, accuracy: 0.5, trainMs: 10 }, ...overrides,
});

describe('bad input from clients', () => {
  let coordinator: TestCoordinator;
  let taskId: string;
  let weightsBefore: Buffer;
  const sockets: RawClient[] = [];
  const raw = () => {
    const c = new RawClient(coordinator.url);
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    coordinator = await startTestCoordinator({ maxFrameBytes: 4 * 1024 * 1024 });
    taskId = await createTask(coordinator.url, smallTask({
      fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 20, minReports: 2 }, limits: { maxUpdateNorm: 50 },
    }));
    weightsBefore = Buffer.from(await (await fetch(`${coordinator.url}/api/tasks/${taskId}/models/0/weights.frame`)).arrayBuffer());
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await coordinator?.close();
  });

  it.each([
    ['malformed JSON', '{"type": "hello",', ErrorCodes.MALFORMED_JSON],
    ['an unknown message type', JSON.stringify({ type: 'become-admin' }), ErrorCodes.UNKNOWN_TYPE],
    ['a schema violation', JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'toaster', device: { backend: 'x' }, capabilities: { codecs: [] } }), ErrorCodes.SCHEMA_VIOLATION],
    ['a message before hello', JSON.stringify({ type: 'heartbeat' }), ErrorCodes.NOT_WELCOMED],
    ['another protocol version', JSON.stringify({ type: 'hello', protocolVersion: 999, kind: 'node', device: { backend: 'x' }, capabilities: { codecs: [] } }), ErrorCodes.PROTOCOL_VERSION],
    ['a binary frame that is not one', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), ErrorCodes.MALFORMED_FRAME],
    ['an oversized frame', new Uint8Array(4 * 1024 * 1024 + 10), ErrorCodes.FRAME_TOO_LARGE],
  ])('refuses %s with a coded error and closes the connection', async (_what, payload, code) => {
    const c = raw();
    await c.opened();
    c.send(payload);
    const error = await c.next<ErrorMsg>('error');
    expect(error).toMatchObject({ code, fatal: true });
    const closed = await c.waitClosed();
    expect([1008, 1009]).toContain(closed.code);
  });

  it('refuses bad updates, stale and duplicate reports and reports from unselected clients, keeping the model', async () => {
    const a = raw();
    const b = raw();
    await a.hello({ taskId });
    await b.hello({ taskId });
    const planA = await a.next<Plan>('round.plan');
    const planB = await b.next<Plan>('round.plan');
    expect(planA.round).toBe(planB.round);

    // A late-comer was not selected in the round under way.
    const late = raw();
    await late.hello({ taskId });
    late.send(encodeFrame(update(planA), tensors()));
    expect((await late.next<ErrorMsg>('error')).code).toBe(ErrorCodes.NOT_SELECTED);
    late.close();

    a.send(encodeFrame(update(planA), tensors().slice(0, 5)));
    expect((await a.next<ErrorMsg>('error')).code).toBe(ErrorCodes.TENSOR_MISMATCH);
    a.send(encodeFrame(update(planA), tensors()));
    expect((await a.next<ErrorMsg>('error')).code).toBe(ErrorCodes.DUPLICATE_REPORT);
    b.send(encodeFrame(update(planB, { round: planB.round + 7 }), tensors()));
    expect((await b.next<ErrorMsg>('error')).code).toBe(ErrorCodes.STALE_ROUND);
    b.send(encodeFrame(update(planB), tensors((i) => (i === 3 ? Number.NaN : 0))));
    expect((await b.next<ErrorMsg>('error')).code).toBe(ErrorCodes.NON_FINITE);
    // Nobody left to report: the round is abandoned and the next one starts.
    const endA = await a.next<{ outcome: string }>('round.end');
    expect(endA.outcome).toBe('abandoned');

    const next = await a.next<Plan>('round.plan');
    const nextB = await b.next<Plan>('round.plan');
    const transposed = SHAPES.map((s) => [...s].reverse());
    a.send(encodeFrame(update(next), tensors(() => 0, transposed)));
    expect((await a.next<ErrorMsg>('error')).code).toBe(ErrorCodes.TENSOR_MISMATCH);
    b.send(encodeFrame(update(nextB), tensors(() => 1)));
    expect((await b.next<ErrorMsg>('error')).code).toBe(ErrorCodes.UPDATE_NORM_EXCEEDED);
    await a.next('round.end');

    const third = await a.next<Plan>('round.plan');
    const thirdB = await b.next<Plan>('round.plan');
    a.send(encodeFrame(update(third, { numExamples: 10_000_000 }), tensors()));
    expect((await a.next<ErrorMsg>('error')).code).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    b.send(encodeFrame(update(thirdB, { modelVersion: 99 }), tensors()));
    expect((await b.next<ErrorMsg>('error')).code).toBe(ErrorCodes.STALE_ROUND);
    b.send(JSON.stringify(update(thirdB)));
    expect((await b.next<ErrorMsg>('error')).code).toBe(ErrorCodes.SCHEMA_VIOLATION);

    const { body: task } = await api<{ modelVersion: number; state: string }>(coordinator.url, `/api/tasks/${taskId}`);
    expect(task).toMatchObject({ modelVersion: 0, state: 'running' });
    const weightsAfter = Buffer.from(await (await fetch(`${coordinator.url}/api/tasks/${taskId}/models/latest/weights.frame`)).arrayBuffer());
    expect(weightsAfter.equals(weightsBefore)).toBe(true);
    const { body: rounds } = await api<{ rounds: { outcome: string; failed: number; reported: number }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
    expect(rounds.rounds.slice(0, 2)).toEqual([
      expect.objectContaining({ outcome: 'abandoned', failed: 2, reported: 0 }),
      expect.objectContaining({ outcome: 'abandoned', failed: 2, reported: 0 }),
    ]);
    expect((await api(coordinator.url, '/healthz')).status).toBe(200);
  });

  it('still accepts a good update afterwards, from the same connections', async () => {
    for (const s of sockets) s.close();
    await eventually(async () => ((await api<{ clients: number }>(coordinator.url, '/healthz')).body.clients === 0 ? true : undefined));
    const c = raw();
    const d = raw();
    await c.hello({ taskId });
    await d.hello({ taskId });
    const pc = await c.next<Plan>('round.plan', 60_000);
    const pd = await d.next<Plan>('round.plan', 60_000);
    c.send(encodeFrame(update(pc), tensors(() => 0.0001)));
    d.send(encodeFrame(update(pd), tensors(() => 0.0001)));
    expect((await c.next('update.ack')).round).toBe(pc.round);
    expect((await d.next('update.ack')).round).toBe(pd.round);
    expect((await c.next<{ outcome: string }>('round.end')).outcome).toBe('committed');
  });
});
