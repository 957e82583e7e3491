// The model worker dies or hangs with a round's evaluation pending: the evaluation is retried
// once on a fresh worker; a second failure abandons the round with FLT_MODEL_WORKER_FAILED and
// keeps the model; the next round commits on yet another fresh worker. Nothing hangs.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { ErrorCodes, type PartitionSpec } from '@flotilla/protocol';
import { api, createTask, eventually, operatorHeaders, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface RoundView { round: number; outcome: string; reason: string | null; modelVersion: number }
const partition: PartitionSpec = { kind: 'iid', numClients: 3, seed: 4, examplesPerClient: 60 };

describe('model worker faults', () => {
  let coordinator: TestCoordinator | undefined;
  let clients: FlotillaClient[] = [];

  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
    delete process.env.FLOTILLA_TEST_WORKER_FAULTS;
  });

  it('retries an evaluation whose worker died, abandons the round with a code after a second failure, and goes on', async () => {
    // What the first four evaluations meet, in this order; later ones meet no fault.
    const faults = mkdtempSync(path.join(os.tmpdir(), 'flotilla-worker-faults-'));
    for (const name of ['1-crash', '2-ok', '3-hang', '4-crash']) writeFileSync(path.join(faults, name), '');
    process.env.FLOTILLA_TEST_WORKER_FAULTS = faults;
    coordinator = await startTestCoordinator({
      // Long enough for a fresh worker to load TensorFlow.js and the test set on a loaded machine.
      models: { workerFile: new URL('../testing/faultyModelWorker.ts', import.meta.url), timeouts: { evaluateMs: 12_000 } },
    });
    const { url } = coordinator;
    const taskId = await createTask(url, smallTask({ data: { partition, testLimit: 200 }, fit: { minAvailableClients: 3 }, stop: { maxRounds: 3 } }));
    clients = await startMnistClients(url, taskId, partition, [0, 1, 2]);

    const rounds = await eventually(async () => {
      const { body } = await api<{ rounds: RoundView[] }>(url, `/api/tasks/${taskId}/rounds`);
      return body.rounds.length >= 3 ? body.rounds : undefined;
    }, 90_000, 'three rounds');

    // Round 1: the worker crashed, the retry on a fresh worker committed.
    expect(rounds[0]).toMatchObject({ round: 1, outcome: 'committed', modelVersion: 1 });
    // Round 2: the worker hung (timed out and terminated), the retry's worker crashed: abandoned, model kept.
    expect(rounds[1]).toMatchObject({ round: 2, outcome: 'abandoned', modelVersion: 1 });
    expect(rounds[1]!.reason).toMatch(new RegExp(`^${ErrorCodes.MODEL_WORKER_FAILED}: evaluation failed 2 times`));
    // Round 3: a fresh worker evaluates as if nothing had happened.
    expect(rounds[2]).toMatchObject({ round: 3, outcome: 'committed', modelVersion: 2 });
    expect(readdirSync(faults).every((n) => n.endsWith('.claimed'))).toBe(true);

    // The dashboard heard of each death, with the code, the job and the round.
    const events = coordinator.app.coordinator.bus.history(0, 1000, taskId).filter((e) => e.type === 'model.worker');
    expect(events.map((e) => [e.data.code, e.data.job, e.data.round])).toEqual([
      [ErrorCodes.MODEL_WORKER_FAILED, 'evaluate', 1],
      [ErrorCodes.MODEL_WORKER_FAILED, 'evaluate', 2],
      [ErrorCodes.MODEL_WORKER_FAILED, 'evaluate', 2],
    ]);
    expect(String(events[1]!.data.reason)).toMatch(/no answer to evaluate within 12 s/);
    const metrics = await (await fetch(`${url}/metrics`, { headers: operatorHeaders() })).text();
    expect(metrics).toMatch(/^flotilla_model_worker_failures_total\{job="evaluate"\} 3$/m);
    const { body: task } = await api<{ state: string; modelVersion: number }>(url, `/api/tasks/${taskId}`);
    expect(task).toMatchObject({ state: 'completed', modelVersion: 2 });
  }, 120_000);
});
