// A root and two edge aggregators on a real nats-server train MNIST with Node clients over real
// sockets: the same committed model as one process with the same clients, a resent partial sum
// dropped as a duplicate, and the settings the hierarchy cannot honour refused at task creation.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { decodeFrame, flattenTensors, type PartitionSpec } from '@flotilla/protocol';
import { startEdge, type StartedEdge } from '../edges/EdgeServer.ts';
import { countPartials, PartialSum, publishPartial, readPartial } from '../edges/partialSums.ts';
import { api, createTask, eventually, RawClient, smallTask, startMnistClients, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { startNatsServer, type TestNatsServer } from '../testing/natsServer.ts';

interface Round { round: number; outcome: string; selected: number; reported: number; dropped: number; reason: string | null }

const partition: PartitionSpec = { kind: 'iid', numClients: 4, seed: 3, examplesPerClient: 40 };
const config = smallTask({ data: { partition, testLimit: 300 }, fit: { minAvailableClients: 4 }, stop: { maxRounds: 2 } });

async function completed(url: string, taskId: string): Promise<void> {
  await eventually(async () => {
    const { body } = await api<{ state: string }>(url, `/api/tasks/${taskId}`);
    return body.state === 'completed' ? true : undefined;
  }, 60_000, 'the task to complete');
}

async function committedWeights(url: string, taskId: string, version: number): Promise<Float32Array> {
  const response = await fetch(`${url}/api/tasks/${taskId}/models/${version}/weights.frame`);
  return flattenTensors(decodeFrame(new Uint8Array(await response.arrayBuffer())).tensors);
}

describe('edge aggregators on NATS JetStream', () => {
  let nats: TestNatsServer;
  let single: TestCoordinator;
  let root: TestCoordinator;
  const edges: StartedEdge[] = [];
  const clients: FlotillaClient[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    single = await startTestCoordinator();
    root = await startTestCoordinator({ edges: { natsUrl: nats.url } });
    edges.push(await startEdge({ natsUrl: nats.url, edgeId: 'edge-a', host: '127.0.0.1', port: 0 }));
    edges.push(await startEdge({ natsUrl: nats.url, edgeId: 'edge-b', host: '127.0.0.1', port: 0 }));
  });

  afterAll(async () => {
    for (const c of clients) c.stop();
    for (const e of edges) await e.close();
    await root?.close();
    await single?.close();
    await nats?.stop();
  });

  it('commits, through two edges, the model one process commits from the same clients', async () => {
    const singleTask = await createTask(single.url, config);
    clients.push(...await startMnistClients(single.url, singleTask, partition, [0, 1, 2, 3]));
    const rootTask = await createTask(root.url, config);
    clients.push(...await startMnistClients(edges[0]!.url, rootTask, partition, [0, 1]));
    clients.push(...await startMnistClients(edges[1]!.url, rootTask, partition, [2, 3]));
    await Promise.all([completed(single.url, singleTask), completed(root.url, rootTask)]);

    for (const [url, id] of [[single.url, singleTask], [root.url, rootTask]] as const) {
      const { body } = await api<{ rounds: Round[] }>(url, `/api/tasks/${id}/rounds`);
      expect(body.rounds.map((r) => [r.round, r.outcome, r.selected, r.reported, r.dropped])).toEqual([[1, 'committed', 4, 4, 0], [2, 'committed', 4, 4, 0]]);
    }
    const one = await committedWeights(single.url, singleTask, 2);
    const tree = await committedWeights(root.url, rootTask, 2);
    const initial = await committedWeights(root.url, rootTask, 0);
    expect(tree.length).toBe(199_210);
    let maxDiff = 0;
    let moved = 0;
    for (let i = 0; i < one.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(one[i]! - tree[i]!));
      moved = Math.max(moved, Math.abs(tree[i]! - initial[i]!));
    }
    // Only the order of float additions differs; training moved the weights by far more.
    expect(maxDiff).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-2);
    // Each edge published its sum of each round once; the clients fetched weights from their edge.
    for (const edge of edges) expect(edge.rounds.publishes.filter((p) => !p.duplicate).map((p) => p.round)).toEqual([1, 2]);
    expect(await countPartials(edges[0]!.bus, rootTask, 2)).toBe(2);
    // The key-value bucket of rounds holds the last round's state, which every edge can read.
    const state = await edges[1]!.bus.rounds.get(`round.${rootTask}`);
    expect(state?.json<{ round: number; phase: string; expected: Record<string, number> }>()).toMatchObject({ round: 2, phase: 'combined', expected: { 'edge-a': 2, 'edge-b': 2 } });
    // The clients view says which edge each client is on.
    const { body: listed } = await api<{ clients: { connected: boolean; edge?: string }[] }>(root.url, '/api/clients');
    expect(listed.clients.filter((c) => c.connected).map((c) => c.edge).sort()).toEqual(['edge-a', 'edge-a', 'edge-b', 'edge-b']);

    // A resend (an edge that did not hear the stream's ack) is dropped: the round still holds one sum per edge.
    await edges[0]!.rounds.flush({ taskId: rootTask, round: 2, expected: { 'edge-a': 2 } });
    expect(edges[0]!.rounds.publishes.at(-1)).toEqual({ taskId: rootTask, round: 2, duplicate: true });
    expect(await countPartials(edges[0]!.bus, rootTask, 2)).toBe(2);
  });

  it('drops a partial sum published twice under the same message id', async () => {
    const partial = new PartialSum(3);
    partial.add('c1', Float32Array.of(1, 2, 3), 2);
    expect(await publishPartial(edges[1]!.bus, 'task-x', 7, 'edge-b', partial)).toEqual({ duplicate: false });
    partial.add('c2', Float32Array.of(1, 1, 1), 1);
    expect(await publishPartial(edges[1]!.bus, 'task-x', 7, 'edge-b', partial)).toEqual({ duplicate: true });
    expect(await countPartials(edges[1]!.bus, 'task-x', 7)).toBe(1);
    const read = await readPartial(edges[1]!.bus, 'task-x', 7, 'edge-b');
    expect(read?.announcement).toMatchObject({ count: 1, examples: 2, clients: ['c1'] });
  });

  it('refuses at creation what the hierarchy cannot do, naming the setting', async () => {
    const refused = async (patch: Record<string, unknown>) => (await api<{ code: string; message: string }>(root.url, '/api/tasks', { method: 'POST', body: smallTask(patch) }));
    for (const [patch, field] of [
      [{ privacy: { secureAggregation: { enabled: true } } }, 'privacy.secureAggregation'],
      [{ strategy: { name: 'krum', byzantine: 1 }, fit: { minFitClients: 5 } }, 'strategy.name'],
      [{ asynchronous: { enabled: true } }, 'asynchronous'],
      [{ privacy: { differentialPrivacy: { enabled: true } } }, 'privacy.differentialPrivacy'],
    ] as const) {
      const { status, body } = await refused(patch);
      expect(status).toBe(400);
      expect(body.code).toBe('FLT_HIERARCHY_UNSUPPORTED');
      expect(body.message).toContain(field);
    }
    // The same settings stay fine on one process.
    expect((await api(single.url, '/api/tasks', { method: 'POST', body: smallTask({ privacy: { secureAggregation: { enabled: true } } }) })).status).toBe(201);
  });

  it('answers bad input at an edge with the coordinator\'s codes, and stays up', async () => {
    const early = new RawClient(edges[0]!.url);
    await early.opened();
    early.send({ type: 'heartbeat' });
    expect(await early.next('error')).toMatchObject({ code: 'FLT_NOT_WELCOMED', fatal: true });
    await early.waitClosed();

    const client = new RawClient(edges[0]!.url);
    const { clientId } = await client.hello();
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    client.send({ type: 'hello', protocolVersion: 1, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] } });
    expect((await client.waitClosed()).reason).toBe('FLT_SCHEMA_VIOLATION');
    const garbled = new RawClient(edges[1]!.url);
    await garbled.opened();
    garbled.send('{"type": "update", ');
    expect((await garbled.waitClosed()).reason).toBe('FLT_MALFORMED_JSON');
    expect((await fetch(`${edges[0]!.url}/healthz`)).status).toBe(200);
    // The root let the refused client go when its edge closed the socket.
    await eventually(async () => {
      const { body } = await api<{ clients: { id: string; connected: boolean }[] }>(root.url, '/api/clients');
      return body.clients.find((c) => c.id === clientId)?.connected === false ? true : undefined;
    }, 10_000, 'the root to let the client go');
  });
});
