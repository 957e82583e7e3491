// The dashboard's data and evaluation panel for a task on the clients' own data: its schema in one
// line, the plain sentences that there is no central test set and no baseline, and round 0's
// federated evaluation (the weighted accuracy, its spread, the charts) as two clients report it.

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
