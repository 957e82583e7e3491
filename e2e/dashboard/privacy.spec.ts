// A DP-SGD task on the dashboard: while a small Node fleet trains, ε spent, δ and the budget on
// screen equal the REST API, the ε chart gains a point per round, and the budget ends the task.

// Its own coordinator: the fleet's clients would otherwise appear in training.spec.ts's clients table.
import { expect, isolatedTest as test } from './fixtures.ts';
import { rest, startFleet, type ChildHandle } from './support/processes.ts';

interface Round { round: number; outcome: string; epsilon: number | null }
interface Task { id: string; state: string; stopReason: string | null; lastRound: number }

const fmtEps = (v: number) => v.toFixed(3);

test.describe.serial('ε on the dashboard', () => {
  let fleet: ChildHandle | null = null;

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test('ε spent, δ and budget match the REST API live, and the budget ends the task', async ({ dashboard, coordinator, page }, testInfo) => {
    const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
    const created = await fetch(`${coordinator.url}/api/tasks?start=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${coordinator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'dp-sgd on the dashboard',
        data: { partition: { kind: 'iid', numClients: 4, seed: 1, examplesPerClient: 150 }, testLimit: 500 },
        fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 4, batchSize: 15, learningRate: 0.3 },
        stop: { maxRounds: 20, targetAccuracy: null, minReports: 1 },
        baseline: { enabled: false },
        // 10 steps at q = 0.1 per round: ε = 3.44, 4.22, 4.85, then 5.39 would exceed 5.
        privacy: { dpSgd: { enabled: true, l2NormClip: 1, noiseMultiplier: 1, delta: 1e-5, targetEpsilon: 5 } },
      }),
    });
    expect(created.status).toBe(201);
    const taskId = ((await created.json()) as { id: string }).id;

    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    await expect(dashboard.id('dashboard.privacy.kind')).toHaveText('sample-level DP-SGD');
    await expect(dashboard.id('dashboard.privacy.delta')).toHaveText('0.00001');
    await expect(dashboard.id('dashboard.privacy.budget')).toHaveText('5.000');
    await expect(dashboard.id('dashboard.privacy.epsilon')).toHaveText('0.000');

    fleet = startFleet(coordinator.url, coordinator.token, ['--task', taskId]);

    // Live: the first round's ε reaches the open page through the event stream.
    await expect.poll(async () => (await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)).rounds.length, { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
    await expect(async () => {
      const { rounds } = await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`);
      expect({ epsilon: await dashboard.text('dashboard.privacy.epsilon'), points: await dashboard.chartPoints('epsilon') })
        .toEqual({ epsilon: fmtEps(rounds.at(-1)!.epsilon!), points: rounds.length });
    }).toPass({ timeout: 30_000, intervals: [50, 100, 200] });

    await expect(dashboard.taskState).toHaveText('completed', { timeout: 120_000 });
    const [task, { rounds }] = await Promise.all([get<Task>(`/api/tasks/${taskId}`), get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)]);
    expect(task.stopReason).toMatch(/privacy budget ε = 5 reached/);
    expect(rounds).toHaveLength(3);
    await expect(dashboard.id('dashboard.privacy.epsilon')).toHaveText(fmtEps(rounds.at(-1)!.epsilon!));
    expect(rounds.at(-1)!.epsilon!).toBeLessThanOrEqual(5);
    await expect.poll(() => dashboard.chartPoints('epsilon')).toBe(3);
    await expect(dashboard.id('dashboard.task.reason')).toContainText('privacy budget ε = 5 reached');

    const shot = testInfo.outputPath('dashboard-dp-sgd.png');
    await page.setViewportSize({ width: 1600, height: 1200 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('dashboard with ε', { path: shot, contentType: 'image/png' });
  });
});

test.describe.serial('adaptive clipping on the dashboard', () => {
  let fleet: ChildHandle | null = null;

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test('the clip norm shown is the last round\'s, and the fleet prints each round\'s ε', async ({ dashboard, coordinator }) => {
    const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
    const created = await fetch(`${coordinator.url}/api/tasks?start=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${coordinator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'adaptive clipping on the dashboard',
        data: { partition: { kind: 'iid', numClients: 4, seed: 1, examplesPerClient: 150 }, testLimit: 500 },
        fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 4, batchSize: 15, learningRate: 0.3 },
        stop: { maxRounds: 2, targetAccuracy: null, minReports: 1 },
        baseline: { enabled: false },
        // S = 0.01 clips every update, so the clip norm grows each round.
        privacy: { differentialPrivacy: { enabled: true, clippingNorm: 0.01, noiseMultiplier: 0.5, delta: 1e-5, adaptiveClipping: { enabled: true, clippedCountStddev: 0.5 } } },
      }),
    });
    expect(created.status).toBe(201);
    const taskId = ((await created.json()) as { id: string }).id;

    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    await expect(dashboard.id('dashboard.privacy.kind')).toHaveText('client-level DP-FedAvg');
    await expect(dashboard.id('dashboard.privacy.clipNorm')).toHaveText('not yet adapted');

    fleet = startFleet(coordinator.url, coordinator.token, ['--task', taskId]);
    await expect(dashboard.taskState).toHaveText('completed', { timeout: 120_000 });
    const { rounds } = await get<{ rounds: (Round & { clipNorm: number })[] }>(`/api/tasks/${taskId}/rounds`);
    expect(rounds).toHaveLength(2);
    expect(rounds[1]!.clipNorm).toBeGreaterThan(rounds[0]!.clipNorm);
    expect(rounds[0]!.clipNorm).toBeGreaterThan(0.01);
    await expect(dashboard.id('dashboard.privacy.clipNorm')).toHaveText(rounds[1]!.clipNorm.toPrecision(3));
    await expect.poll(() => fleet!.output(), { timeout: 10_000 }).toContain(`ε ${fmtEps(rounds[1]!.epsilon!)}`);
    expect(fleet.output()).toContain(`ε ${fmtEps(rounds[0]!.epsilon!)}`);
  });
});
