// Restart the coordinator (closed, or killed with SIGKILL) on the same data directory: vertical jobs, results and baselines are
// still there, a job that was running comes back failed, and no party token was stored in the clear.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { simulateVerticalMnist } from '@flotilla/data';
import { joinRelay, runHeteroLrArbiter, runHeteroLrGuest, runHeteroLrHost } from '@flotilla/vertical';
import type { RelayParty, RelaySocket, VerticalPartyTable, VerticalRole } from '@flotilla/vertical';
import { api, eventually, startCoordinatorProcess, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface JobView {
  id: string;
  state: string;
  settings: Record<string, unknown>;
  intersection: number | null;
  epochs: { epoch: number; loss?: number; accuracy?: number }[];
  error: { role: string | null; code: string; message: string } | null;
  baselines: { epoch: number; centralised: number; labelHolderAlone: number }[] | null;
  roles: { role: string; joined: boolean; finished: boolean }[];
  partyTokens: Record<VerticalRole, string>;
}

const SIMULATION = { rows: 120, overlap: 0.8, seed: 7, testRows: 100 };
const ROLES = ['guest', 'host', 'arbiter'] as const;

const open: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of open) await c.close();
  for (const child of children) child.kill('SIGKILL');
});

function connect(url: string, job: string, role: VerticalRole, token: string): { socket: WebSocket; party: Promise<RelayParty> } {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/vertical/ws?job=${job}&role=${role}&token=${encodeURIComponent(token)}`);
  return { socket, party: joinRelay(socket as unknown as RelaySocket) };
}

async function createJob(url: string): Promise<JobView> {
  const body = { algorithm: 'hetero-lr', epochs: 1, batchSize: 64, learningRate: 1, keyBits: 1024, simulation: SIMULATION };
  const { status, body: created } = await api<JobView>(url, '/api/vertical/jobs', { method: 'POST', body });
  expect(status).toBe(201);
  return created;
}

const view = async (url: string, id: string): Promise<JobView> => (await api<JobView>(url, `/api/vertical/jobs/${id}`)).body;

describe('vertical jobs across a coordinator restart', () => {
  it('keeps finished jobs and their results, fails the running one with a reason, keeps tokens only hashed', async () => {
    const first: TestCoordinator = await startTestCoordinator();
    open.push(first);
    const { guest, host } = await simulateVerticalMnist(SIMULATION);

    // A finished job, with loss, accuracy, intersection and baselines.
    const done = await createJob(first.url);
    const conns = ROLES.map((r) => connect(first.url, done.id, r, done.partyTokens[r]));
    const parties = await Promise.all(conns.map((c) => c.party));
    await Promise.all(parties.map((p) => p.started));
    const settings = parties[0]!.welcome.settings;
    await Promise.all([
      runHeteroLrGuest(parties[0]!.channel, guest as VerticalPartyTable, settings),
      runHeteroLrHost(parties[1]!.channel, host, settings),
      runHeteroLrArbiter(parties[2]!.channel, settings),
    ]);
    parties.forEach((p) => p.done());
    const before = await eventually(async () => {
      const v = await view(first.url, done.id);
      return v.state === 'done' && v.baselines !== null ? v : undefined;
    }, 60_000, 'the job done with its baselines');
    expect(before.epochs).toHaveLength(1);
    expect(before.intersection).toBeGreaterThan(0);

    // A job whose three parties joined (so it is running) when the coordinator stops, and one still waiting.
    const running = await createJob(first.url);
    const runningConns = ROLES.map((r) => connect(first.url, running.id, r, running.partyTokens[r]));
    await Promise.all((await Promise.all(runningConns.map((c) => c.party))).map((p) => p.started));
    const waiting = await createJob(first.url);
    await eventually(async () => ((await view(first.url, waiting.id)).baselines !== null ? true : undefined), 60_000, 'baselines of the waiting job');
    await first.close();
    open.pop();
    for (const c of [...conns, ...runningConns]) c.socket.close();

    const second = await startTestCoordinator({ dataDir: first.dataDir });
    open.push(second);
    const { body: list } = await api<{ jobs: JobView[] }>(second.url, '/api/vertical/jobs');
    expect(list.jobs.map((j) => j.id)).toEqual([done.id, running.id, waiting.id]);

    expect(await view(second.url, done.id)).toEqual(before);

    const interrupted = await view(second.url, running.id);
    expect(interrupted.state).toBe('failed');
    expect(interrupted.error).toEqual({ role: null, code: 'VFL_COORDINATOR_RESTARTED', message: 'coordinator restarted during the job' });
    expect(interrupted.settings).toEqual(running.settings);
    const events = second.app.coordinator.bus.history(0, 10_000).filter((e) => e.type === 'vertical.state' && e.data.jobId === running.id);
    expect(events.at(-1)?.data).toMatchObject({ state: 'failed', code: 'VFL_COORDINATOR_RESTARTED' });

    // The waiting job's parties can still join with the tokens they were given before the restart.
    const still = await view(second.url, waiting.id);
    expect(still.state).toBe('waiting');
    expect(still.baselines).toHaveLength(1);
    const rejoin = connect(second.url, waiting.id, 'guest', waiting.partyTokens.guest);
    expect((await rejoin.party).welcome.jobId).toBe(waiting.id);
    expect((await view(second.url, waiting.id)).roles.find((r) => r.role === 'guest')!.joined).toBe(true);
    rejoin.socket.close();

    // Only hashes are on disk: no party token appears in the database or its WAL.
    const disk = readdirSync(first.dataDir).filter((f) => f.startsWith('flotilla.db')).map((f) => readFileSync(path.join(first.dataDir, f)).toString('latin1')).join('');
    expect(disk).toContain(done.id);
    for (const job of [done, running, waiting]) for (const r of ROLES) expect(disk).not.toContain(job.partyTokens[r]);
  });

  it('marks a job that was running when the coordinator was killed with SIGKILL as failed', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-vertical-restart-'));
    const first = await startCoordinatorProcess(dataDir);
    children.push(first.child);
    const job = await createJob(first.url);
    const conns = ROLES.map((r) => connect(first.url, job.id, r, job.partyTokens[r]));
    await Promise.all((await Promise.all(conns.map((c) => c.party))).map((p) => p.started));
    expect((await view(first.url, job.id)).state).toBe('running');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    for (const c of conns) c.socket.close();

    const second = await startCoordinatorProcess(dataDir);
    children.push(second.child);
    const after = await view(second.url, job.id);
    expect(after.state).toBe('failed');
    expect(after.error).toMatchObject({ code: 'VFL_COORDINATOR_RESTARTED', message: 'coordinator restarted during the job' });
  });
});
