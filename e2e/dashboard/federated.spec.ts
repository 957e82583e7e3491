// The dashboard for own data and pretrained models: a task's data and evaluation panel (its schema
// in one line, the plain sentences that there is no central test set and no baseline, round 0's
// federated accuracy and spread as two clients report it), and the create form's pretrained upload.

import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@flotilla/protocol';
import { expect, isolatedTest as test } from './fixtures.ts';
import { rest } from './support/processes.ts';

const schema = {
  kind: 'tabular', features: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' })), label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};

/** A protocol-speaking client that answers the evaluation of round 0 with the given report. */
function evaluatingClient(url: string, taskId: string, report: { numExamples: number; metrics: { loss: number; accuracy: number } }): WebSocket {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
  socket.on('open', () => socket.send(JSON.stringify({
    type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, taskId,
  })));
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; round: number; modelVersion: number; heartbeatIntervalMs?: number };
    if (message.type === 'welcome') setInterval(() => socket.readyState === socket.OPEN && socket.send(JSON.stringify({ type: 'heartbeat' })), message.heartbeatIntervalMs).unref();
    if (message.type === 'evaluate.plan' && message.round === 0) {
      socket.send(JSON.stringify({ type: 'evaluation', taskId, round: 0, modelVersion: message.modelVersion, ...report }));
    }
  });
  return socket;
}

test('an own-data task shows its schema, says it has no test set or baseline, and charts its federated evaluation', async ({ dashboard, coordinator }) => {
  const response = await fetch(`${coordinator.url}/api/tasks?start=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${coordinator.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'clinics', model: { kind: 'schema', architecture: 'logreg' },
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 1 }, clientTestFraction: 0.2 },
      evaluation: { federated: { enabled: true, minClients: 2, deadlineMs: 20_000 } },
      fit: { minAvailableClients: 3, minFitClients: 3 }, baseline: { enabled: false }, stop: { maxRounds: 3, targetAccuracy: null },
    }),
  });
  expect(response.status).toBe(201);
  const { id: taskId } = await response.json() as { id: string };
  const clients = [
    evaluatingClient(coordinator.url, taskId, { numExamples: 20, metrics: { loss: 0.6, accuracy: 0.75 } }),
    evaluatingClient(coordinator.url, taskId, { numExamples: 30, metrics: { loss: 0.4, accuracy: 0.85 } }),
  ];
  try {
    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);

    await expect(dashboard.id('dashboard.schema')).toHaveText('table of 4 columns (a, b, c, d) → y: 2 classes (no, yes) · clients bring their own data');
    const notes = dashboard.id('dashboard.federated.note');
    await expect(notes.filter({ hasText: 'no central test set' })).toHaveCount(1);
    await expect(notes.filter({ hasText: 'no centralized baseline' })).toHaveCount(1);
    // (0.75 · 20 + 0.85 · 30) / 50, and the two clients' spread.
    await expect(dashboard.id('dashboard.federated.summary'))
      .toContainText('round 0: federated accuracy 0.8100 on 2 of 2 clients (50 examples) · spread min 0.7500, p10 0.7600, median 0.8000, max 0.8500');
    await expect(dashboard.id('dashboard.chart.federated')).toHaveAttribute('data-points', '1');
    await expect(dashboard.id('dashboard.chart.fairness')).toHaveAttribute('data-points', '1');
    const { evaluations } = await rest<{ evaluations: { summary: { accuracy: number } }[] }>(coordinator.url, coordinator.token, `/api/tasks/${taskId}/evaluations`);
    expect(evaluations[0]!.summary.accuracy).toBeCloseTo(0.81, 12);
  } finally {
    for (const c of clients) c.close();
  }
});

test('the create form uploads a pretrained model, offers its layers as freeze points and starts a task from it', async ({ dashboard, coordinator }, testInfo) => {
  const auth = { authorization: `Bearer ${coordinator.token}` };
  const source = await (await fetch(`${coordinator.url}/api/tasks`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'source', baseline: { enabled: false } }),
  })).json() as { id: string };
  const jsonFile = testInfo.outputPath('model.json');
  const binFile = testInfo.outputPath('weights.bin');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(jsonFile, await (await fetch(`${coordinator.url}/api/tasks/${source.id}/models/0/model.json`, { headers: auth })).text());
  await writeFile(binFile, new Uint8Array(await (await fetch(`${coordinator.url}/api/tasks/${source.id}/models/0/weights.bin`, { headers: auth })).arrayBuffer()));

  await dashboard.open(coordinator.token);
  await dashboard.expectLive();
  await dashboard.id('dashboard.create.model').selectOption('pretrained');
  await dashboard.id('dashboard.create.pretrained.json').setInputFiles(jsonFile);
  await dashboard.id('dashboard.create.pretrained.weights').setInputFiles(binFile);
  await dashboard.id('dashboard.create.pretrained.send').click();
  await expect(dashboard.id('dashboard.create.model.status')).toContainText('(199210 parameters)');
  await expect(dashboard.id('dashboard.create.freeze').locator('option')).toHaveText(['nothing (all layers train)', 'hidden1 (157000 params)', 'hidden2 (40200 params)', 'output (2010 params)']);
  await dashboard.id('dashboard.create.freeze').selectOption('hidden2');
  const taskId = await dashboard.createTask({ name: 'fine-tune the head', clients: '4', start: false, baseline: false });

  const { uploads } = await rest<{ uploads: { id: string }[] }>(coordinator.url, coordinator.token, '/api/models/uploads');
  const task = await rest<{ config: { model: { kind: string; freeze: unknown }; initialModel: unknown } }>(coordinator.url, coordinator.token, `/api/tasks/${taskId}`);
  expect(task.config.model).toMatchObject({ kind: 'tfjs', freeze: { upTo: 'hidden2' } });
  expect(task.config.initialModel).toEqual({ from: 'upload', uploadId: uploads[0]!.id });
  // Round 0 is the upload's weights, weight by weight (freezing lists the trainable ones first).
  const weights = async (id: string) => {
    const json = await (await fetch(`${coordinator.url}/api/tasks/${id}/models/0/model.json`, { headers: auth })).json() as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    const bytes = Buffer.from(await (await fetch(`${coordinator.url}/api/tasks/${id}/models/0/weights.bin`, { headers: auth })).arrayBuffer());
    const byName: Record<string, string> = {};
    let offset = 0;
    for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
      const size = w.shape.reduce((a, b) => a * b, 1) * 4;
      byName[w.name] = bytes.subarray(offset, offset + size).toString('base64');
      offset += size;
    }
    return byName;
  };
  const [started, uploaded] = [await weights(taskId), await weights(source.id)];
  expect(Object.keys(started).sort()).toEqual(Object.keys(uploaded).sort());
  expect(started).toEqual(uploaded);
});
