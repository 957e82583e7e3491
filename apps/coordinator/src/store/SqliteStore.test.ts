import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { DEFAULT_TASK_CONFIG } from '../engine/taskConfig.ts';
import { SqliteStore } from './SqliteStore.ts';
import type { RoundRecord, TaskRecord, VerticalJobRecord } from './Store.ts';

const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-store-')), 'flotilla.db');
const task = (id = 't1'): TaskRecord => ({
  id, name: 'task', config: DEFAULT_TASK_CONFIG, state: 'running', createdAt: 1, updatedAt: 1, modelVersion: 0, lastRound: 0, stopReason: null,
});
const round = (n: number, patch: Partial<RoundRecord> = {}): RoundRecord => ({
  taskId: 't1', round: n, outcome: 'committed', reason: null, startedAt: 10, endedAt: 20, selected: 3, goal: 3, reported: 2,
  dropped: 1, failed: 0, testAccuracy: 0.5 + n / 100, testLoss: 1, trainLoss: 1.2, baselineAccuracy: null, delta: null, epsilon: null,
  bytesUp: 100, bytesDown: 200, modelVersion: n,
  clients: [
    { clientId: 'a', outcome: 'reported', code: null, numExamples: 60, trainLoss: 1.1 },
    { clientId: 'b', outcome: 'disconnected', code: null, numExamples: null, trainLoss: null },
  ],
  ...patch,
});

describe('SqliteStore', () => {
  const stores: SqliteStore[] = [];
  const open = (f: string) => {
    const s = new SqliteStore(f);
    stores.push(s);
    return s;
  };
  afterEach(() => stores.splice(0).forEach((s) => s.close()));

  it('commits a round with its checkpoint atomically and reads both back after reopening', () => {
    const f = file();
    const store = open(f);
    store.createTask(task(), { taskId: 't1', version: 0, round: 0, weights: new Float32Array([0, 0, 0]), strategyState: {}, createdAt: 1 });
    const weights = new Float32Array([1.5, -2.25, 3e-8]);
    const m = new Float32Array([0.1, 0.2, 0.3]);
    store.commitRound(round(1), { taskId: 't1', version: 1, round: 1, weights, strategyState: { m }, createdAt: 20 });
    store.close();

    const reopened = open(f);
    expect(reopened.getTask('t1')).toMatchObject({ modelVersion: 1, lastRound: 1, state: 'running' });
    const checkpoint = reopened.latestCheckpoint('t1')!;
    expect(Array.from(checkpoint.weights)).toEqual(Array.from(weights));
    expect(Array.from(checkpoint.strategyState.m!)).toEqual(Array.from(m));
    expect(reopened.getRound('t1', 1)!.clients.map((c) => c.outcome)).toEqual(['reported', 'disconnected']);
  });

  it('rolls back a commit whose round is a duplicate, leaving the model version where it was', () => {
    const store = open(file());
    store.createTask(task(), { taskId: 't1', version: 0, round: 0, weights: new Float32Array(2), strategyState: {}, createdAt: 1 });
    store.commitRound(round(1), { taskId: 't1', version: 1, round: 1, weights: new Float32Array(2), strategyState: {}, createdAt: 2 });
    expect(() => store.commitRound(round(1), { taskId: 't1', version: 2, round: 1, weights: new Float32Array(2), strategyState: {}, createdAt: 3 })).toThrow();
    expect(store.getTask('t1')!.modelVersion).toBe(1);
    expect(store.getCheckpoint('t1', 2)).toBeNull();
  });

  it('records abandoned rounds without touching the model version', () => {
    const store = open(file());
    store.createTask(task(), { taskId: 't1', version: 0, round: 0, weights: new Float32Array(2), strategyState: {}, createdAt: 1 });
    store.recordAbandonedRound(round(1, { outcome: 'abandoned', reason: 'too few reports', testAccuracy: null, modelVersion: 0 }));
    expect(store.getTask('t1')).toMatchObject({ modelVersion: 0, lastRound: 1 });
    expect(store.listRounds('t1')[0]).toMatchObject({ outcome: 'abandoned', reason: 'too few reports' });
  });

  it('backfills the baseline accuracy and δ into earlier rounds', () => {
    const store = open(file());
    store.createTask(task(), { taskId: 't1', version: 0, round: 0, weights: new Float32Array(1), strategyState: {}, createdAt: 1 });
    store.commitRound(round(1), { taskId: 't1', version: 1, round: 1, weights: new Float32Array(1), strategyState: {}, createdAt: 2 });
    store.recordAbandonedRound(round(2, { outcome: 'abandoned', testAccuracy: null }));
    expect(store.backfillBaseline('t1', 0.9)).toBe(2);
    const [r1, r2] = store.listRounds('t1');
    expect(r1!.delta).toBeCloseTo(0.9 - 0.51, 12);
    expect(r2).toMatchObject({ baselineAccuracy: 0.9, delta: null });
  });

  it('keeps events in order and resumes after a sequence number', () => {
    const store = open(file());
    const a = store.appendEvent({ at: 1, taskId: 't', type: 'x', data: { n: 1 } });
    store.appendEvent({ at: 2, taskId: 'u', type: 'y', data: { n: 2 } });
    store.appendEvent({ at: 3, taskId: 't', type: 'z', data: { n: 3 } });
    expect(store.listEvents({ afterSeq: a.seq }).map((e) => e.data.n)).toEqual([2, 3]);
    expect(store.listEvents({ taskId: 't' }).map((e) => e.type)).toEqual(['x', 'z']);
  });

  it('counts client rounds and dropouts', () => {
    const store = open(file());
    store.upsertClient({ id: 'c', tokenHash: 'h', kind: 'node', backend: 'wasm', examplesPerSec: 100, firstSeen: 1, lastSeen: 1, roundsJoined: 0, dropouts: 0 });
    store.bumpClientStats('c', { roundsJoined: 2, dropouts: 1 });
    store.upsertClient({ id: 'c', tokenHash: 'h', kind: 'node', backend: 'cpu', examplesPerSec: 50, firstSeen: 9, lastSeen: 9, roundsJoined: 0, dropouts: 0 });
    expect(store.getClient('c')).toMatchObject({ backend: 'cpu', roundsJoined: 2, dropouts: 1, firstSeen: 1 });
  });

  it('records each round\'s clip norm, also in a store created before the column existed', () => {
    const f = file();
    const old = open(f);
    old.createTask(task(), { taskId: 't1', version: 0, round: 0, weights: new Float32Array(1), strategyState: {}, createdAt: 1 });
    old.commitRound(round(1), { taskId: 't1', version: 1, round: 1, weights: new Float32Array(1), strategyState: {}, createdAt: 20 });
    old.close();
    const raw = new Database(f);
    raw.exec('ALTER TABLE rounds DROP COLUMN clip_norm');
    raw.close();

    const store = open(f);
    store.commitRound(round(2, { clipNorm: 0.75 }), { taskId: 't1', version: 2, round: 2, weights: new Float32Array(1), strategyState: {}, createdAt: 30 });
    expect(store.listRounds('t1').map((r) => r.clipNorm)).toEqual([null, 0.75]);
  });

  it('keeps vertical jobs across reopening, also in a store created before the table existed', () => {
    const f = file();
    const old = open(f);
    old.close();
    const raw = new Database(f);
    raw.exec('DROP TABLE vertical_jobs');
    raw.close();

    const job = (id: string, createdAt: string, patch: Partial<VerticalJobRecord> = {}): VerticalJobRecord => ({
      id, algorithm: 'hetero-lr', settings: { epochs: 2 }, state: 'waiting', createdAt,
      tokenHashes: { guest: 'g'.repeat(64), host: 'h'.repeat(64), arbiter: 'a'.repeat(64) },
      joined: [], finished: [], intersection: null, progress: null, epochs: [], error: null, simulation: null, baselines: null, ...patch,
    });
    const store = open(f);
    store.putVerticalJob(job('b', '2026-01-02T00:00:00.000Z'));
    store.putVerticalJob(job('a', '2026-01-01T00:00:00.000Z'));
    const finished = job('b', '2026-01-02T00:00:00.000Z', { state: 'done', intersection: 96, epochs: [{ epoch: 1, loss: 0.6, accuracy: 0.7 }], finished: ['guest', 'host', 'arbiter'] });
    store.putVerticalJob(finished);
    store.close();
    expect(open(f).listVerticalJobs()).toEqual([job('a', '2026-01-01T00:00:00.000Z'), finished]);
  });
});
