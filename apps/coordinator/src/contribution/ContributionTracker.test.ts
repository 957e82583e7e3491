import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError, type StandingMessage } from '@flotilla/protocol';
import { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { RoundState } from '../engine/RoundState.ts';
import { resolveTaskConfig } from '../engine/taskConfig.ts';
import type { ContributionJob } from '../model/jobs.ts';
import { SqliteStore } from '../store/SqliteStore.ts';
import { ContributionTracker } from './ContributionTracker.ts';

const config = resolveTaskConfig({ data: { partition: { kind: 'iid', numClients: 3, seed: 1, examplesPerClient: 50 } }, contribution: { enabled: true, validation: { examples: 100 } } });

/** A tracker over a real store, whose model worker answers with `value` (or throws it), and what it published and sent. */
async function setUp(value: (job: ContributionJob) => number[] | Error) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-tracker-'));
  const store = new SqliteStore(path.join(dir, 'db.sqlite'));
  store.createTask({ id: 't', name: 't', config, state: 'running', createdAt: 0, updatedAt: 0, modelVersion: 0, lastRound: 0, stopReason: null },
    { taskId: 't', version: 0, round: 0, weights: new Float32Array(2), strategyState: {}, createdAt: 0 });
  const published: { type: string; data: unknown }[] = [];
  const sent = new Map<string, StandingMessage[]>();
  const warnings: unknown[] = [];
  const jobs: ContributionJob[] = [];
  const deps = {
    store, datasets: new DatasetRegistry(path.join(dir, 'datasets')),
    bus: { publish: (type: string, _taskId: string, data: unknown) => published.push({ type, data }) },
    log: { warn: (fields: unknown) => warnings.push(fields) },
    registry: { get: (id: string) => ({ send: (m: StandingMessage) => { sent.set(id, [...(sent.get(id) ?? []), m]); return true; } }) },
    models: {
      prepareContributions: async () => undefined,
      valueContributions: async (job: ContributionJob) => {
        jobs.push(job);
        const values = value(job);
        if (values instanceof Error) throw values;
        return { method: job.method, values, evaluations: 7, truncated: false, baseUtility: 0.1, fullUtility: 0.1 + values.reduce((a, b) => a + b, 0) };
      },
    },
  } as unknown as EngineDeps;
  const tracker = (await ContributionTracker.load(deps, 't', config))!;
  return { tracker, store, published, sent, warnings, jobs };
}

/** A committed round in which `clients` reported, each update kept by the tracker. */
function reportedRound(tracker: ContributionTracker, round: number, clients: string[]): RoundState {
  const rs = new RoundState('t', round, round - 1, new Set(clients), clients.length, Date.now() + 60_000);
  const keep = tracker.keeper(round);
  for (const [i, id] of clients.entries()) {
    const update = Float32Array.of(i, -i);
    keep(id, 10 * (i + 1), update);
    update.fill(99); // the collector's buffer may be reused: the tracker kept a copy
    rs.addReport(id, { numExamples: 10 * (i + 1), trainLoss: 1 });
  }
  rs.close('goal');
  return rs;
}

describe('ContributionTracker', () => {
  it('values a committed round with its kept updates, stores it, and tells each client only its own standing', async () => {
    const { tracker, store, published, sent, jobs } = await setUp(() => [0.3, -0.1]);
    tracker.roundEnded(reportedRound(tracker, 1, ['a', 'b']), Float32Array.of(1, 1), true);
    await tracker.idle();
    expect(jobs[0]).toMatchObject({ numExamples: [10, 20], method: 'gtg', validation: { key: 't' } });
    expect(jobs[0]!.updates.map((u) => Array.from(u))).toEqual([[0, -0], [1, -1]]);
    expect(jobs[0]!.validation.indices).toHaveLength(100);
    expect(store.contributions.listRounds('t')).toEqual([expect.objectContaining({ round: 1, values: { a: 0.3, b: -0.1 } })]);
    expect(published.map((e) => e.type)).toEqual(['contribution.round']);
    expect(sent.get('a')).toEqual([{ type: 'standing', taskId: 't', round: 1, value: 0.3, cumulative: 0.3, rank: 1, of: 2, share: 1, reward: 100 }]);
    expect(sent.get('b')).toEqual([expect.objectContaining({ value: -0.1, rank: 2, share: 0, reward: 0 })]);
  });

  it('values nothing of an abandoned round', async () => {
    const { tracker, store, jobs } = await setUp(() => [0.3]);
    tracker.roundEnded(reportedRound(tracker, 1, ['a']), Float32Array.of(1, 1), false);
    await tracker.idle();
    expect(jobs).toHaveLength(0);
    expect(store.contributions.listRounds('t')).toEqual([]);
  });

  it('turns a failed valuation into an event and a log line, storing nothing, and values the next round', async () => {
    let calls = 0;
    const { tracker, store, published, warnings } = await setUp(() => (++calls === 1 ? new FlotillaError(ErrorCodes.MODEL_WORKER_FAILED, 'worker died') : [0.2]));
    tracker.roundEnded(reportedRound(tracker, 1, ['a']), Float32Array.of(1, 1), true);
    tracker.roundEnded(reportedRound(tracker, 2, ['a']), Float32Array.of(1, 1), true);
    await tracker.idle();
    expect(published[0]).toEqual({ type: 'contribution.failed', data: { round: 1, code: ErrorCodes.MODEL_WORKER_FAILED, reason: 'worker died' } });
    expect(warnings).toHaveLength(1);
    expect(store.contributions.listRounds('t').map((r) => r.round)).toEqual([2]);
  });
});
