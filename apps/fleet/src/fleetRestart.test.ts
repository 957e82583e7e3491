// kill -9 of the coordinator under a running Node fleet (`npm run fleet -- --node --url …`): the
// fleet process stays up, says it is waiting, its clients come back under their old ids when the
// coordinator restarts on the same port and data directory, rounds go on from the last committed
// one, and the fleet's summary holds the rounds from before and after the crash.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startMainProcess, type MainProcess } from '@flotilla/coordinator/testing/mainProcess';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'fleet-restart-operator-token-0123456789';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

interface RoundView { round: number; outcome: string; modelVersion: number; clients?: { clientId: string; outcome: string }[] }

function startCoordinator(dataDir: string, port: number): Promise<MainProcess> {
  return startMainProcess(['--port', String(port), '--data-dir', dataDir, '--no-default-task', '--log-level', 'warn', `--operator-token=${TOKEN}`], 'coordinator');
}

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return await response.json() as T;
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const clientIds = (r: RoundView) => (r.clients ?? []).map((c) => c.clientId).sort();

describe('a Node fleet across a coordinator crash', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('stays up, reconnects the same clients and goes on from the last committed round', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-fleet-restart-'));
    const first = await startCoordinator(dataDir, 0);
    children.push(first.child);
    const port = Number(new URL(first.url).port);
    const created = await fetch(`${first.url}/api/tasks?start=true`, {
      method: 'POST', headers, body: JSON.stringify({
        name: 'fleet restart',
        data: { partition: { kind: 'iid', numClients: 3, seed: 2, examplesPerClient: 60 }, testLimit: 200 },
        fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 3, batchSize: 10, learningRate: 0.1 },
        stop: { maxRounds: 8, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 1 },
        baseline: { enabled: false },
      }),
    });
    const { id: taskId } = await created.json() as { id: string };
    const summaryFile = path.join(dataDir, 'summary.json');
    const fleet = spawn(process.execPath, [
      '--import', 'tsx', path.join(ROOT, 'apps/fleet/src/main.ts'), '--node', '--url', first.url, `--token=${TOKEN}`,
      '--task', taskId, '--clients', '3', '--threads', '1', '--no-baseline', '--summary-json', summaryFile,
    ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(fleet);
    let fleetOut = '';
    fleet.stdout!.on('data', (c: Buffer) => (fleetOut += c.toString()));
    fleet.stderr!.on('data', (c: Buffer) => (fleetOut += c.toString()));
    const fleetExit = new Promise<number | null>((r) => fleet.once('exit', (code) => r(code)));

    const rounds = (url: string) => get<{ rounds: RoundView[] }>(`${url}/api/tasks/${taskId}/rounds`).then((b) => b.rounds);
    const before = await eventually(async () => {
      const committed = (await rounds(first.url)).filter((r) => r.outcome === 'committed');
      return committed.length >= 2 ? committed : undefined;
    }, 60_000, 'two committed rounds');
    const idsBefore = clientIds(await get<RoundView>(`${first.url}/api/tasks/${taskId}/rounds/${before[0]!.round}`));
    expect(idsBefore).toHaveLength(3);

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await eventually(async () => (fleetOut.includes('coordinator unreachable') ? true : undefined), 20_000, 'the fleet noticing');
    expect(fleet.exitCode).toBeNull();

    const second = await startCoordinator(dataDir, port);
    children.push(second.child);
    const restartedAt = Date.now();
    const committedAtRestart = (await rounds(second.url)).filter((r) => r.outcome === 'committed');
    const lastCommitted = committedAtRestart.at(-1)!.round;
    const firstAfter = await eventually(async () => {
      const r = (await rounds(second.url)).find((x) => x.round > lastCommitted && x.outcome === 'committed');
      return r;
    }, 40_000, 'a round committed after the restart');
    const secondsToCommit = (Date.now() - restartedAt) / 1000;
    process.stdout.write(`restart → first committed round after it (round ${firstAfter.round}): ${secondsToCommit.toFixed(1)} s\n`);

    expect(fleet.exitCode).toBeNull();
    const idsAfter = clientIds(await get<RoundView>(`${second.url}/api/tasks/${taskId}/rounds/${firstAfter.round}`));
    expect(idsAfter).toEqual(idsBefore);

    // The fleet rides the task to its end and summarises every round, before and after the crash.
    const code = await Promise.race([fleetExit, new Promise<'late'>((r) => setTimeout(() => r('late'), 40_000))]);
    expect(code, fleetOut).toBe(0);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { state: string; rounds: { round: number; outcome: string }[]; coordinatorOutages: number };
    expect(summary.state).toBe('completed');
    expect(summary.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Nothing committed was lost or committed twice: one model version per committed round.
    const { modelVersion } = await get<{ modelVersion: number }>(`${second.url}/api/tasks/${taskId}`);
    expect(summary.rounds.filter((r) => r.outcome === 'committed')).toHaveLength(modelVersion);
    expect(summary.coordinatorOutages).toBeGreaterThanOrEqual(1);
    expect(fleetOut).toMatch(/coordinator unreachable \(event stream: .*\), retrying in \d+\.\d s/);
    expect(fleetOut).toMatch(/coordinator reachable again after \d+\.\d s/);
    process.stdout.write(`${fleetOut.split('\n').filter((l) => l.includes('coordinator') || l.includes('outage')).join('\n')}\n`);
  }, 150_000);
});
