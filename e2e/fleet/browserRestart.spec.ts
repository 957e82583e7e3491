// kill -9 of the coordinator under a browser fleet (`npm run fleet -- --url …`, two Chromium
// tabs): the fleet stays up and says it waits, the tabs' clients come back under their old ids
// when the coordinator restarts on the same port and data directory, and rounds go on from the
// last committed one until the task completes.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { freePort, rest, startCoordinator, tempDir } from '../dashboard/support/processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'e2e-fleet-restart-operator-token-0123456789';

interface Round { round: number; outcome: string; clients?: { clientId: string }[] }

test('a browser fleet rides out a coordinator crash and restart', async () => {
  const dataDir = tempDir('flotilla-e2e-fleet-restart-');
  const port = await freePort();
  let coordinator = await startCoordinator({ port, dataDir, operatorToken: TOKEN });
  const created = await fetch(`${coordinator.url}/api/tasks?start=true`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'browser fleet restart',
      data: { partition: { kind: 'iid', numClients: 2, seed: 6, examplesPerClient: 60 }, testLimit: 200 },
      fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 2, batchSize: 10, learningRate: 0.1 },
      stop: { maxRounds: 10, targetAccuracy: null, roundDeadlineMs: 60_000, minReports: 1 },
      baseline: { enabled: false },
    }),
  });
  const { id: taskId } = await created.json() as { id: string };
  const get = <T>(p: string) => rest<T>(coordinator.url, TOKEN, p);
  const summaryFile = path.join(dataDir, 'summary.json');
  const fleet = spawn(process.execPath, [
    '--import', 'tsx', 'apps/fleet/src/main.ts', '--url', coordinator.url, `--token=${TOKEN}`, '--task', taskId,
    '--clients', '2', '--backend', 'wasm', '--no-baseline', '--summary-json', summaryFile,
  ], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  fleet.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  fleet.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => fleet.once('exit', (code) => r(code)));
  try {
    const committed = async () => (await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)).rounds.filter((r) => r.outcome === 'committed');
    await expect.poll(async () => (await committed()).length, { timeout: 120_000, message: 'two rounds before the crash' }).toBeGreaterThanOrEqual(2);
    const idsBefore = (await get<Round>(`/api/tasks/${taskId}/rounds/1`)).clients!.map((c) => c.clientId).sort();

    process.kill(coordinator.child.pid!, 'SIGKILL');
    await new Promise((r) => coordinator.child.once('exit', r));
    await expect.poll(() => out, { timeout: 30_000, message: 'the fleet noticing' }).toContain('coordinator unreachable');
    expect(fleet.exitCode).toBeNull();

    coordinator = await startCoordinator({ port, dataDir, operatorToken: TOKEN });
    const lastCommitted = (await committed()).at(-1)!.round;
    const restartedAt = Date.now();
    await expect.poll(async () => (await committed()).some((r) => r.round > lastCommitted), { timeout: 90_000, message: 'a round committed after the restart' }).toBe(true);
    const firstAfter = (await committed()).find((r) => r.round > lastCommitted)!;
    const seconds = ((Date.now() - restartedAt) / 1000).toFixed(1);
    test.info().annotations.push({ type: 'restart → first committed round', description: `${seconds} s` });
    process.stdout.write(`browser fleet: restart → first committed round after it (round ${firstAfter.round}): ${seconds} s\n`);
    // Rounds take a fraction of a second: by now the fleet may have finished the task and left with
    // 0 (checked below with its summary). Any other exit is a crash.
    expect([null, 0]).toContain(fleet.exitCode);
    const idsAfter = (await get<Round>(`/api/tasks/${taskId}/rounds/${firstAfter.round}`)).clients!.map((c) => c.clientId).sort();
    expect(idsAfter).toEqual(idsBefore);

    expect(await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 120_000))]), out).toBe(0);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { state: string; rounds: Round[]; coordinatorOutages: number };
    expect(summary.state).toBe('completed');
    expect(summary.rounds.map((r) => r.round)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(summary.coordinatorOutages).toBeGreaterThanOrEqual(1);
  } finally {
    // Its own process group: Chromium goes with it.
    if (fleet.exitCode === null) process.kill(-fleet.pid!, 'SIGKILL');
    await coordinator.stop();
    await test.info().attach('fleet output', { body: out, contentType: 'text/plain' });
  }
});
