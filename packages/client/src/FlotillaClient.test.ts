import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { initNodeBackend } from '@flotilla/models';
import { ErrorCodes, PROTOCOL_VERSION, encodeFrame, type DataSchema, type ModelSpec, type TabularSchema } from '@flotilla/protocol';
import { FlotillaClient } from './FlotillaClient.ts';
import { TfjsTrainer } from './TfjsTrainer.ts';
import { splitLocal } from './localData.ts';
import type { ClientEvent, LocalData, Trainer, WebSocketLike } from './types.ts';

/** A socket the test drives: it opens at once and closes when told. */
class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readonly sent: string[] = [];
  send(data: string | Uint8Array): void {
    this.sent.push(String(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const trainer: Trainer = { device: () => ({ backend: 'cpu' }), train: () => Promise.reject(new Error('not in this test')) };

describe('FlotillaClient reconnect backoff', () => {
  const sockets: FakeSocket[] = [];
  const events: ClientEvent[] = [];
  let client: FlotillaClient;
  beforeEach(() => {
    vi.useFakeTimers();
    client = new FlotillaClient({
      url: 'http://127.0.0.1:1', kind: 'node', trainer, data: { features: new Float32Array(), labels: new Uint8Array(), count: 0 },
      webSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      backoff: { baseMs: 100, maxMs: 8_000 },
      onEvent: (e) => events.push(e),
    });
  });
  afterEach(() => {
    client.stop();
    sockets.length = 0;
    events.length = 0;
    vi.useRealTimers();
  });
  const retries = () => events.flatMap((e) => (e.type === 'disconnected' && e.retryInMs !== null ? [e.retryInMs] : []));

  it.each([ErrorCodes.TOO_MANY_CONNECTIONS, ErrorCodes.RATE_LIMITED])('waits at least half its longest backoff after %s, instead of hammering', (code) => {
    client.start();
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = sockets.at(-1)!;
      socket.open();
      socket.receive({ type: 'error', code, message: 'try again later', fatal: true });
      socket.drop(1013, code);
      vi.advanceTimersByTime(8_000);
    }

    expect(retries()).toHaveLength(20);
    for (const ms of retries()) expect(ms).toBeGreaterThanOrEqual(4_000);
    expect(new Set(retries()).size).toBeGreaterThan(1);
  });

  it('reconnects after an ordinary drop within the exponential window', () => {
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);

    expect(retries()[0]).toBeLessThan(100);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
  });
});

const TABLE: TabularSchema = {
  kind: 'tabular', features: [{ name: 'x1', kind: 'numeric' }, { name: 'x2', kind: 'numeric' }], label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};
const LOGREG: ModelSpec = { kind: 'schema', architecture: 'logreg' };
const welcome = (schema: DataSchema, clientTestFraction: number) => ({
  type: 'welcome', protocolVersion: PROTOCOL_VERSION, clientId: 'c1', resumeToken: 'r'.repeat(24), heartbeatIntervalMs: 60_000, maxFrameBytes: 1 << 20,
  task: { id: 't1', name: 'table', model: LOGREG, schema, clientTestFraction, seed: 5 },
});
// Ten rows of the table: x1 = i, x2 = −i, label 1 for the upper half.
const ROWS: LocalData = { features: Float32Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? 1 : -1) * Math.floor(k / 2)), labels: Int32Array.from({ length: 10 }, (_, i) => (i >= 5 ? 1 : 0)), count: 10 };

describe('FlotillaClient with a task\'s schema and held-out split', () => {
  const sockets: FakeSocket[] = [];
  const events: ClientEvent[] = [];
  const sent = (type: string) => sockets.flatMap((s) => s.sent.map((m) => JSON.parse(m) as { type: string } & Record<string, unknown>)).filter((m) => m.type === type);
  let client: FlotillaClient | null = null;
  afterEach(() => {
    client?.stop();
    sockets.length = 0;
    events.length = 0;
  });
  const start = (data: LocalData, trainer: Trainer, fetchImpl?: typeof fetch) => {
    client = new FlotillaClient({
      url: 'http://127.0.0.1:1', kind: 'node', trainer, data, taskId: 't1',
      webSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
      onEvent: (e) => events.push(e),
    });
    client.start();
    return client;
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('re-announces its train split\'s size, then evaluates a global model on the held-out rows and reports only metrics and a count', async () => {
    // All-zero logistic regression weights: every prediction is [0.5, 0.5], so the loss is ln 2.
    const weights = encodeFrame({ type: 'weights' }, [{ name: 'kernel', shape: [2, 2], values: new Float32Array(4) }, { name: 'bias', shape: [2], values: new Float32Array(2) }]);
    const fetchImpl = (async () => new Response(weights.slice().buffer)) as unknown as typeof fetch;
    start(ROWS, new TfjsTrainer({ backend: 'cpu' }), fetchImpl);
    sockets[0]!.open();
    sockets[0]!.receive(welcome(TABLE, 0.2));
    await settle();

    // The first hello announced all 10; the split trains on 8, so a fresh hello says 8.
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    expect(sent('hello').map((h) => h['numExamples'])).toEqual([10, 8]);
    sockets[1]!.receive(welcome(TABLE, 0.2));
    await settle();
    expect(sockets).toHaveLength(2);

    sockets[1]!.receive({
      type: 'evaluate.plan', taskId: 't1', round: 3, modelVersion: 3, model: LOGREG, schema: TABLE,
      weightsUrl: '/api/tasks/t1/models/3/weights.frame', deadline: Date.now() + 60_000,
    });
    await vi.waitFor(() => expect(sent('evaluation')).toHaveLength(1));

    const held = splitLocal(10, { clientTestFraction: 0.2, seed: 5 }, 0).test;
    // Ties go to class 0: the held-out rows of class 0 are the right ones.
    const right = [...held].filter((i) => ROWS.labels[i] === 0).length;
    const [report] = sent('evaluation');
    expect(report).toMatchObject({ taskId: 't1', round: 3, modelVersion: 3, numExamples: 2 });
    expect((report!['metrics'] as { loss: number }).loss).toBeCloseTo(Math.LN2, 5);
    expect(report!['metrics']).toMatchObject({ accuracy: right / 2 });
    expect(Object.keys(report!).sort()).toEqual(['metrics', 'modelVersion', 'numExamples', 'round', 'taskId', 'type']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'evaluation', round: 3, outcome: 'reported', numExamples: 2 }));
  });

  it('trains plan after plan of an asynchronous task without any round.end, and counts each acknowledged update', async () => {
    // Arrange: a trainer that returns a fixed update at once; weights served for any version
    const weights = encodeFrame({ type: 'weights' }, [{ name: 'kernel', shape: [2, 2], values: new Float32Array(4) }, { name: 'bias', shape: [2], values: new Float32Array(2) }]);
    const fetchImpl = (async () => new Response(weights.slice().buffer)) as unknown as typeof fetch;
    const trainings: number[] = [];
    const quick: Trainer = {
      device: () => ({ backend: 'cpu' }),
      train: async (job) => {
        trainings.push(job.plan.seed);
        return { update: new Float32Array(6).fill(0.1), shapes: [[2, 2], [2]], numExamples: job.examples?.length ?? job.data.count, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
      },
    };
    start(ROWS, quick, fetchImpl);
    sockets[0]!.open();
    sockets[0]!.receive(welcome(TABLE, 0));
    await settle();
    const socket = sockets.at(-1)!;
    const plan = (round: number, modelVersion: number, seed: number) => ({
      type: 'round.plan', taskId: 't1', round, modelVersion, model: LOGREG, schema: TABLE, weightsUrl: `/api/tasks/t1/models/${modelVersion}/weights.frame`,
      codec: 'float32', fit: { epochs: 1, batchSize: 5, learningRate: 0.1, proximalMu: 0, seed }, deadline: Date.now() + 60_000, asynchronous: true,
    });
    const uploads = () => events.filter((e) => e.type === 'uploaded').length;
    // Act: a plan, its ack, and straight away the next plan on a newer version (no round.end between)
    socket.receive(plan(1, 0, 11));
    await vi.waitFor(() => expect(uploads()).toBe(1));
    socket.receive({ type: 'update.ack', taskId: 't1', round: 1 });
    socket.receive(plan(2, 1, 12));
    await vi.waitFor(() => expect(uploads()).toBe(2));
    socket.receive({ type: 'update.ack', taskId: 't1', round: 2 });
    await settle();
    // Assert: both trained, both uploaded as binary updates, nothing went wrong, the client waits idle for the next plan
    expect(trainings).toEqual([11, 12]);
    expect(socket.sent.filter((m) => !m.startsWith('{'))).toHaveLength(2);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(client!.history.map((h) => [h.round, h.accepted, h.outcome])).toEqual([[1, true, undefined], [2, true, undefined]]);
    expect(client!.status).toBe('idle');
  });

  it('announces its train split in the first hello when it knows the rule beforehand (a simulated partition), and stays connected', async () => {
    client = new FlotillaClient({
      url: 'http://127.0.0.1:1', kind: 'node', trainer: new TfjsTrainer({ backend: 'cpu' }), data: ROWS, taskId: 't1', partitionIndex: 2,
      holdout: { clientTestFraction: 0.2, seed: 5 },
      webSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      onEvent: (e) => events.push(e),
    });
    client.start();
    sockets[0]!.open();
    sockets[0]!.receive(welcome(TABLE, 0.2));
    await settle();

    expect(sent('hello').map((h) => [h['numExamples'], h['partitionIndex']])).toEqual([[8, 2]]);
    expect(sockets).toHaveLength(1);
    expect(events).toContainEqual({ type: 'data', taskId: 't1', train: 8, heldOut: 2 });
  });

  it('answers evaluate.failed with FLT_NO_HELD_OUT_DATA when the task holds nothing out', async () => {
    start(ROWS, new TfjsTrainer({ backend: 'cpu' }));
    sockets[0]!.open();
    sockets[0]!.receive(welcome(TABLE, 0));
    await settle();
    sockets[0]!.receive({
      type: 'evaluate.plan', taskId: 't1', round: 0, modelVersion: 0, model: LOGREG, schema: TABLE, weightsUrl: '/w', deadline: Date.now() + 60_000,
    });
    await vi.waitFor(() => expect(sent('evaluate.failed')).toHaveLength(1));

    expect(sent('evaluate.failed')[0]).toMatchObject({ taskId: 't1', round: 0, code: ErrorCodes.NO_HELD_OUT_DATA });
    expect(sockets).toHaveLength(1);
  });

  it('leaves without training when its data does not fit the task\'s schema, naming what does not fit', async () => {
    const train = vi.fn<Trainer['train']>();
    const mnistRows: LocalData = { features: new Float32Array(3 * 784), labels: Uint8Array.of(1, 2, 3), count: 3 };
    start(mnistRows, { device: () => ({ backend: 'cpu' }), train });
    sockets[0]!.open();
    sockets[0]!.receive(welcome(TABLE, 0));
    await settle();
    sockets[0]!.receive({
      type: 'round.plan', taskId: 't1', round: 1, modelVersion: 0, model: LOGREG, schema: TABLE, weightsUrl: '/w', codec: 'float32',
      fit: { epochs: 1, batchSize: 1, learningRate: 0.1, proximalMu: 0, seed: 1 }, deadline: Date.now() + 60_000,
    });
    await settle();

    expect(client!.status).toBe('stopped');
    expect(train).not.toHaveBeenCalled();
    expect(events).toContainEqual(expect.objectContaining({
      type: 'error', code: ErrorCodes.DATA_SCHEMA_MISMATCH, fatal: true, message: expect.stringContaining('784 values per example'),
    }));
    expect(sent('update')).toHaveLength(0);
  });
});
