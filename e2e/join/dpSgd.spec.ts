// Two join tabs train with DP-SGD in their Web Workers: the coordinator accepts their updates only
// if clipping ran in the browser (an unclipped update is far above the task's norm limit), and the
// ε budget ends the task after the rounds the accountant allows.

import { WASM, eventually, expect, test } from './fixtures.ts';

const TABS = 2;

// Each round per tab: 150 examples, B = 15, lr 1 → 10 steps. Measured in Node on this task's
// data: the plain update has an L2 norm of ≈ 8.9, the DP-SGD one (C = 1e-3, σ = 1) ≈ 0.09, so a
// limit of 0.5 rejects any update trained without clipping. ε = 3.44, 4.22, 4.85, 5.39 …: budget 5
// allows three rounds. With so small a C the model barely moves (accuracy stays near chance):
// this spec checks that clipping and accounting happen in the browser; learning under DP-SGD is
// checked in Node (apps/coordinator/src/integration/dpSgd.test.ts). The three rounds take 1–4 s
// each; the tabs go straight to WASM, the backend ladder (most of the spec's time) is cnn.spec.ts's.
const TASK = {
  name: 'e2e: DP-SGD in the browser',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: TABS, seed: 1, examplesPerClient: 150 }, testLimit: 500, simulation: true },
  fit: { fractionFit: 1, minFitClients: TABS, minAvailableClients: TABS, epochs: 1, batchSize: 15, learningRate: 1 },
  stop: { maxRounds: 10, roundDeadlineMs: 90_000, minReports: TABS },
  limits: { maxUpdateNorm: 0.5 },
  baseline: { enabled: false },
  privacy: { dpSgd: { enabled: true, l2NormClip: 1e-3, noiseMultiplier: 1, microbatchSize: 1, delta: 1e-5, targetEpsilon: 5 } },
};

test('DP-SGD runs in the browser worker and the ε budget ends the task', async ({ coordinator, tabs }) => {
  test.setTimeout(180_000);
  const taskId = await coordinator.api.createTask(TASK);
  for (let i = 0; i < TABS; i++) await tabs.open(taskId, i, WASM);

  const task = await eventually(async () => {
    const t = await coordinator.api.task(taskId);
    return t.state === 'running' ? undefined : t;
  }, 150_000, 'the privacy budget to end the task');
  expect(task.state).toBe('completed');
  expect(task.stopReason).toMatch(/privacy budget ε = 5 reached/);

  const rounds = await coordinator.api.rounds(taskId);
  expect(rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', TABS], ['committed', TABS], ['committed', TABS]]);
  expect(rounds.map((r) => Number(r.epsilon!.toFixed(2)))).toEqual([3.44, 4.22, 4.85]);
  test.info().annotations.push({
    type: 'rounds',
    description: rounds.map((r) => `round ${r.round}: acc ${r.testAccuracy?.toFixed(4)} ε ${r.epsilon?.toFixed(3)} in ${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`).join('; '),
  });
});
