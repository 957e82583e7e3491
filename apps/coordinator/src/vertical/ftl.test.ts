// Integration: a federated transfer learning (FTL) job over the coordinator's relay, guest and host as Node parties on loopback sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { joinRelay, runFtlGuest, runFtlHost, simulateFtlMnist, VerticalError } from '@flotilla/vertical';
import type { FtlSimulationTables, RelayParty, RelaySocket, VerticalChannel, VerticalRole } from '@flotilla/vertical';
import { api, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface JobView {
  id: string;
  state: string;
  intersection: number | null;
  epochs: { epoch: number; loss?: number; accuracy?: number }[];
  error: { role: string; code: string } | null;
  baselines: { epoch: number; centralised: number; labelHolderAlone: number; plaintextFtl?: number; guestPrior?: number }[] | null;
  roles: { role: string; joined: boolean }[];
  partyTokens: Partial<Record<VerticalRole, string>>;
}

// 15 % of 200 people at both parties: about 30 overlap rows, one step per epoch, ~85 host rows to label.
const SIMULATION = { rows: 200, overlap: 0.15, seed: 3 };
const JOB = { algorithm: 'ftl', epochs: 1, batchSize: 64, keyBits: 1024, dim: 4, simulation: SIMULATION };

let coordinator: TestCoordinator;
let tables: FtlSimulationTables;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
  tables = await simulateFtlMnist(SIMULATION);
});

afterAll(async () => {
  await coordinator.close();
});

async function createJob(body: Record<string, unknown> = JOB): Promise<JobView> {
  const { status, body: created } = await api<JobView>(coordinator.url, '/api/vertical/jobs', { method: 'POST', body });
  expect(status).toBe(201);
  return created;
}

function connect(job: JobView, role: VerticalRole): { socket: WebSocket; party: Promise<RelayParty> } {
  const socket = new WebSocket(`${coordinator.url.replace('http', 'ws')}/vertical/ws?job=${job.id}&role=${role}&token=${encodeURIComponent(job.partyTokens[role]!)}`);
  return { socket, party: joinRelay(socket as unknown as RelaySocket) };
}

async function waitFor(id: string, done: (v: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const { body } = await api<JobView>(coordinator.url, `/api/vertical/jobs/${id}`);
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('FTL jobs on the coordinator', () => {
  it('aligns, trains with Paillier both ways and labels the host’s own rows, with baselines', async () => {
    const job = await createJob();
    expect(job.roles.map((r) => r.role)).toEqual(['guest', 'host']);
    const [guest, host] = (['guest', 'host'] as const).map((r) => connect(job, r));
    const parties = await Promise.all([guest!.party, host!.party]);
    await Promise.all(parties.map((p) => p.started));
    const settings = parties[0]!.welcome.settings;
    const [losses, result] = await Promise.all([runFtlGuest(parties[0]!.channel, tables.guest, settings), runFtlHost(parties[1]!.channel, tables.host, settings)]);
    parties.forEach((p) => p.done());
    const view = await waitFor(job.id, (v) => v.state !== 'running' && v.baselines !== null);
    expect(view.state).toBe('done');
    const guestIds = new Set(tables.guest.ids);
    expect(view.intersection).toBe(tables.host.ids.filter((id) => guestIds.has(id)).length);
    // Loss from the guest (it decrypts it), accuracy on the host-only rows from the host.
    expect(view.epochs).toEqual(losses.map((loss, i) => ({ epoch: i + 1, loss, accuracy: result.accuracies[i] })));
    expect(result.scores.length).toBe(tables.host.testLabels.length);
    expect(result.ids.every((id) => !guestIds.has(id))).toBe(true);
    for (const loss of losses) expect(loss).toBeLessThan(Math.log(2) + 0.5);
    // Each epoch's progress also goes on the event stream (the dashboard's event log).
    const epochEvents = coordinator.app.coordinator.bus.history(0, 10_000).filter((e) => e.type === 'vertical.epoch' && e.data.jobId === job.id);
    expect(epochEvents.at(-1)!.data).toMatchObject({ epoch: 1, epochs: 1, loss: losses[0], accuracy: result.accuracies[0] });
    expect(view.baselines).toHaveLength(1);
    const last = view.baselines![0]!;
    for (const a of [last.centralised, last.labelHolderAlone, last.plaintextFtl!, last.guestPrior!]) expect(a).toBeGreaterThan(0.3);
    for (const c of [guest, host]) c!.socket.close();
  });

  it('refuses an arbiter, another algorithm’s payloads and a forged key with coded errors', async () => {
    const job = await createJob();
    const intruder = new WebSocket(`${coordinator.url.replace('http', 'ws')}/vertical/ws?job=${job.id}&role=arbiter&token=x`);
    const refusal = await new Promise<{ code: string }>((resolve) => intruder.on('message', (d) => resolve(JSON.parse(String(d)) as { code: string })));
    expect(refusal.code).toBe('FLT_SCHEMA_VIOLATION');

    const guest = connect(job, 'guest');
    const host = connect(job, 'host');
    const [g, h] = await Promise.all([guest.party, host.party]);
    await g!.started;
    const errors: string[] = [];
    host.socket.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; code?: string };
      if (m.type === 'vertical.error') errors.push(m.code!);
    });
    // A host whose key message is not a Paillier key: the guest refuses it with VFL_MALFORMED and the job fails.
    const forging: VerticalChannel = {
      send: (to, payload) => h!.channel.send(to, (payload as { type: string }).type === 'ftl.host-key' ? { type: 'ftl.host-key', key: { kind: 'nonsense' } } : payload),
      receive: (from, type) => h!.channel.receive(from, type),
      report: (r) => h!.channel.report(r),
    };
    const settings = g!.welcome.settings;
    const hostRun = runFtlHost(forging, tables.host, settings).catch((e: unknown) => e);
    const failure = await runFtlGuest(g!.channel, tables.guest, settings).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VerticalError);
    expect((failure as VerticalError).code).toBe('VFL_MALFORMED');
    g!.fail(failure);
    const view = await waitFor(job.id, (v) => v.state === 'failed');
    expect(view.error).toMatchObject({ role: 'guest', code: 'VFL_MALFORMED' });
    expect(String(await hostRun)).toMatch(/aborted/);
    // Another algorithm's payload type is refused by the relay itself.
    host.socket.send(JSON.stringify({ type: 'vertical.relay', to: 'guest', payload: { type: 'hetero-lr.host-scores' } }));
    await waitFor(job.id, () => errors.length > 0);
    expect(errors).toEqual(['FLT_SCHEMA_VIOLATION']);
    expect((await fetch(`${coordinator.url}/healthz`)).status).toBe(200);
    for (const c of [guest, host]) c.socket.close();
    intruder.close();
  });

  it('refuses FTL settings it cannot run with FLT_INVALID_TASK naming the field', async () => {
    for (const [extra, field] of [[{ hosts: 2 }, 'hosts'], [{ dim: 0 }, 'dim'], [{ gamma: -1 }, 'gamma'], [{ l2: 0.1 }, 'l2']] as const) {
      const { status, body } = await api<{ code: string; message: string }>(coordinator.url, '/api/vertical/jobs', { method: 'POST', body: { ...JOB, ...extra } });
      expect(status).toBe(400);
      expect(body.code).toBe('FLT_INVALID_TASK');
      expect(body.message).toContain(field);
    }
    const { body } = await api<{ code: string; message: string }>(coordinator.url, '/api/vertical/jobs', { method: 'POST', body: { algorithm: 'hetero-lr', epochs: 1, dim: 4 } });
    expect(body.message).toContain('dim');
  });
});
