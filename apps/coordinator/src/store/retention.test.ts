import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { ClientRegistry, type ConnectedClient } from '../engine/ClientRegistry.ts';
import { SqliteStore } from './SqliteStore.ts';
import { startRetention, type Retention } from './retention.ts';
import type { ClientRecord } from './Store.ts';

const HOUR = 3_600_000;
const quiet = { info: () => {}, warn: () => {} } as unknown as FastifyBaseLogger;
const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-retention-')), 'flotilla.db');
const clientRow = (id: string, lastSeen: number, roundsJoined = 0): ClientRecord => ({
  id, tokenHash: 'h', kind: 'node', backend: 'cpu', examplesPerSec: null, firstSeen: lastSeen, lastSeen, roundsJoined, dropouts: 0,
});
const connected = (id: string): ConnectedClient => ({
  id, kind: 'node', device: { backend: 'cpu' }, taskId: null, partitionIndex: null, numExamples: null, connectedAt: 0, lastSeen: 0,
  send: () => true, close: () => {},
});

describe('retention', () => {
  let store: SqliteStore;
  let retention: Retention | null = null;
  afterEach(() => {
    vi.useRealTimers();
    retention?.stop();
    store.close();
  });

  it('keeps the newest events of each task; a viewer resuming after a recent id gets exactly what it missed', () => {
    store = new SqliteStore(file());
    for (let i = 0; i < 50; i++) {
      store.appendEvent({ at: i, taskId: 'a', type: 'round.report', data: { i } });
      store.appendEvent({ at: i, taskId: null, type: 'client.joined', data: { i } });
    }
    store.appendEvent({ at: 99, taskId: 'b', type: 'task.created', data: {} });
    const recent = store.listEvents({ taskId: 'a' }).at(-5)!.seq;

    retention = startRetention(store, new ClientRegistry(), { eventsPerTask: 10, idleClientMs: HOUR, intervalMs: 60_000 }, quiet);

    expect(store.listEvents({ taskId: 'a' })).toHaveLength(10);
    expect(store.listEvents({ limit: 10_000 }).filter((e) => e.taskId === null)).toHaveLength(10);
    expect(store.listEvents({ taskId: 'b' })).toHaveLength(1);
    expect(store.listEvents({ afterSeq: recent, taskId: 'a' }).map((e) => e.data.i)).toEqual([46, 47, 48, 49]);
    const next = store.appendEvent({ at: 100, taskId: 'a', type: 'round.report', data: {} });
    expect(next.seq).toBeGreaterThan(store.listEvents({ taskId: 'b' })[0]!.seq);
  });

  it('deletes the rows of clients that only said hello long ago, and keeps trained, recent and connected clients', () => {
    store = new SqliteStore(file());
    const now = 100 * HOUR;
    store.upsertClient(clientRow('hello-only-old', now - 48 * HOUR));
    store.upsertClient(clientRow('hello-only-recent', now - HOUR));
    store.upsertClient(clientRow('trained-old', now - 48 * HOUR, 3));
    store.upsertClient(clientRow('connected-old', now - 48 * HOUR));
    const registry = new ClientRegistry();
    registry.add(connected('connected-old'));

    retention = startRetention(store, registry, { eventsPerTask: 10, idleClientMs: 24 * HOUR, intervalMs: 60_000 }, quiet, () => now);

    expect(store.listClients().map((c) => c.id).sort()).toEqual(['connected-old', 'hello-only-recent', 'trained-old']);
    expect(store.getClient('trained-old')?.roundsJoined).toBe(3);
  });

  it('sweeps again on its interval', () => {
    vi.useFakeTimers();
    store = new SqliteStore(file());
    retention = startRetention(store, new ClientRegistry(), { eventsPerTask: 2, idleClientMs: HOUR, intervalMs: 20 }, quiet);
    for (let i = 0; i < 10; i++) store.appendEvent({ at: i, taskId: 'a', type: 'round.report', data: {} });

    vi.advanceTimersByTime(20);

    expect(store.listEvents({ taskId: 'a' })).toHaveLength(2);
  });
});
