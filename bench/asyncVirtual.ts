// Synchronous FedAvg against FedBuff in virtual time: an event-driven simulation of a device fleet
// over the platform's own aggregation code (@flotilla/core's strategy selection with
// over-selection and FedAvg aggregation for rounds; FedBuffBuffer's staleness-weighted buffer and
// the strategy's server step for FedBuff, as the coordinator's asyncBuffer does). Every update is
// trained for real (tfjs, the client's plan) from the model version the device holds; only the
// clock is simulated, so the figures (virtual seconds, versions, updates) do not depend on how
// loaded this machine's shared CPU is.
//
// Time: one local step of a fast device takes `unit` seconds (the median of a calibration on this
// machine, or a fixed value; recorded in the JSON; every ratio is independent of it); a device's training takes
// steps × unit × its slowdown (4 for the slow 30 %) × a seeded jitter in [0.8, 1.2], so that fast
// devices do not finish in lockstep. A dropping device leaves for good halfway through its second
// training. A round closes as the engine's RoundState does: at its goal's report, when every
// selected device has reported or left, or at the deadline; it lasts as long as its slowest
// counted device. FedBuff dispatches to idle devices uniformly at random while fewer than
// `concurrency` train (AsyncLoop's policy), refuses updates staler than `maxStaleness`, and
// commits every K updates. The central evaluation is free in virtual time (it trails commits).

import * as tf from '@tensorflow/tfjs';
import { FedBuffBuffer, createRng, createStrategy, hasMeanUpdateStep, sampleWithoutReplacement, type Strategy } from '@flotilla/core';
import { createModel, evaluateModel, getFlatWeights, setFlatWeights, trainLocal, type LabelledData } from '@flotilla/models';
import { median, round } from './support.ts';

export interface VirtualFleet { name: string; slowShare: number; dropShare: number }
export interface Device { id: number; slowdown: number; drops: boolean; data: LabelledData; trainings: number; gone: boolean }
export interface VirtualSetting {
  target: number; perRound: number; overSelection: number; concurrency: number; bufferSize: number; maxStaleness: number;
  stalenessExponent: number; deadlineUnits: number; maxVirtualSeconds: number; maxUpdates: number; slowdown: number;
  plan: { epochs: number; batchSize: number; learningRate: number };
}
export interface VirtualRun {
  mode: 'sync FedAvg' | 'FedBuff'; fleet: string; target: number; reached: boolean; virtualSecondsToTarget: number | null;
  versionsToTarget: number | null; updatesToTarget: number | null; accuracyAtTarget: number | null; finalAccuracy: number;
  commits: number; updates: number; meanStaleness: number | null; refusedStale: number; dropped: number; wallSeconds: number;
  curve: [number, number][];
}
interface Env { model: tf.LayersModel; initial: Float32Array; test: { images: Float32Array; labels: Uint8Array; count: number }; unit: number; seed: number }

/**
 * The fleet's devices: the first `slowShare` slow, the next `dropShare` dropping, the same ones in every run.
 * @example const devices = makeDevices(data, { name: '30 % 4× slower', slowShare: 0.3, dropShare: 0 }, 4);
 */
export function makeDevices(data: LabelledData[], fleet: VirtualFleet, slowdown: number): Device[] {
  const slowUntil = Math.round(data.length * fleet.slowShare);
  const dropUntil = slowUntil + Math.round(data.length * fleet.dropShare);
  return data.map((d, id) => ({ id, slowdown: id < slowUntil ? slowdown : 1, drops: id >= slowUntil && id < dropUntil, data: d, trainings: 0, gone: false }));
}

/**
 * Seconds per local step of a fast device: the median of three timed trainings (after a warm-up).
 * @example const unit = await calibrateStep(model, data[0], { epochs: 1, batchSize: 10, learningRate: 0.1 });
 */
export async function calibrateStep(model: tf.LayersModel, data: LabelledData, plan: VirtualSetting['plan']): Promise<number> {
  const initial = getFlatWeights(model);
  const steps = Math.ceil(data.count / plan.batchSize) * plan.epochs;
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    setFlatWeights(model, initial);
    const t = performance.now();
    await trainLocal(model, data, { ...plan, seed: i });
    if (i > 0) times.push((performance.now() - t) / 1000 / steps);
  }
  setFlatWeights(model, initial);
  return median(times);
}

/**
 * The shared model, its initial weights, the test set and the clock's unit: `stepSeconds` when
 * given (figures then independent of this machine), else calibrated here.
 * @example const sim = await virtualEnv(data[0], test, setting.plan, 1);
 */
export async function virtualEnv(data: LabelledData, test: Env['test'], plan: VirtualSetting['plan'], seed: number, stepSeconds?: number): Promise<Env> {
  const model = await createModel({ kind: 'mnist-2nn' }, seed);
  const initial = getFlatWeights(model);
  return { model, initial, test, unit: stepSeconds ?? await calibrateStep(model, data, plan), seed };
}

/** A device's training from `global`, for real: its delta (its virtual duration is `duration`'s). */
async function train(env: Env, device: Device, global: Float32Array, s: VirtualSetting, seed: number): Promise<Float32Array> {
  setFlatWeights(env.model, global);
  await trainLocal(env.model, device.data, { ...s.plan, seed });
  const delta = getFlatWeights(env.model);
  for (let i = 0; i < delta.length; i++) delta[i]! -= global[i]!;
  return delta;
}

function duration(env: Env, device: Device, s: VirtualSetting): number {
  const jitter = 0.8 + 0.4 * createRng(env.seed * 1_000_003 + device.id * 7919 + device.trainings)();
  return Math.ceil(device.data.count / s.plan.batchSize) * s.plan.epochs * env.unit * device.slowdown * jitter;
}

async function accuracy(env: Env, weights: Float32Array): Promise<number> {
  setFlatWeights(env.model, weights);
  return (await evaluateModel(env.model, env.test.images, env.test.labels, env.test.count)).accuracy;
}

function strategyFor(s: VirtualSetting, population: number): Strategy {
  return createStrategy({
    name: 'fedavg', fractionFit: s.perRound / population, minFitClients: 1, minAvailableClients: 1, overSelection: s.overSelection,
    epochs: s.plan.epochs, batchSize: s.plan.batchSize, learningRate: s.plan.learningRate, minReports: 1,
  });
}

function progress(run: VirtualRun, t: number, acc: number, started: number): void {
  if (run.commits % 10 === 0) process.stdout.write(`  ${run.mode}, ${run.fleet}: version ${run.commits}, ${run.updates} updates, ${t.toFixed(0)} virtual s, ${(acc * 100).toFixed(2)} % (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

/**
 * Synchronous FedAvg rounds until the target, the update budget or the virtual-time budget.
 * @example const run = await runSync(sim, makeDevices(data, fleet, 4), fleet.name, setting);
 */
export async function runSync(env: Env, devices: Device[], fleet: string, s: VirtualSetting): Promise<VirtualRun> {
  const started = performance.now();
  const strategy = strategyFor(s, devices.length);
  const run = emptyRun('sync FedAvg', fleet, s.target);
  const deadline = s.deadlineUnits * Math.ceil(devices[0]!.data.count / s.plan.batchSize) * s.plan.epochs * env.unit;
  let global: Float32Array = env.initial.slice();
  let t = 0;
  for (let r = 1; t < s.maxVirtualSeconds && run.updates < s.maxUpdates; r++) {
    const available = devices.filter((d) => !d.gone);
    const plan = strategy.configureFit(r, available.map((d) => ({ id: String(d.id), numExamples: d.data.count })), createRng(env.seed * 31 + r))!;
    const chosen = plan.clientIds.map((id) => devices[Number(id)]!);
    const outcomes = chosen.map((d) => {
      d.trainings++;
      const dur = duration(env, d, s);
      return d.drops && d.trainings === 2 ? { d, at: dur / 2, leaves: true } : { d, at: dur, leaves: false };
    }).sort((a, b) => a.at - b.at);
    // RoundState: the goal's report closes the round, else everyone settled, else the deadline.
    const reports = outcomes.filter((o) => !o.leaves && o.at <= deadline);
    const closeAt = reports.length >= plan.goal ? reports[plan.goal - 1]!.at : Math.min(deadline, outcomes.at(-1)!.at);
    const aggregation = strategy.beginAggregation(r, global);
    for (const o of outcomes) {
      if (o.leaves) {
        o.d.gone = true;
        run.dropped++;
      } else if (o.at <= closeAt) {
        // Only counted reports are trained: the surplus of over-selection is cut off at the goal.
        aggregation.add({ clientId: String(o.d.id), numExamples: o.d.data.count, update: await train(env, o.d, global, s, env.seed * 7919 + r * 1000 + o.d.id) });
        run.updates++;
      }
    }
    t += closeAt;
    global = aggregation.finish([]) ?? global;
    run.commits = r;
    if (await record(env, run, global, t, r, started)) break;
  }
  run.wallSeconds = round((performance.now() - started) / 1000, 1);
  return run;
}

/**
 * FedBuff: up to `concurrency` devices train at once; every K admitted updates commit a version.
 * @example const run = await runFedBuff(sim, makeDevices(data, fleet, 4), fleet.name, setting);
 */
export async function runFedBuff(env: Env, devices: Device[], fleet: string, s: VirtualSetting): Promise<VirtualRun> {
  const started = performance.now();
  const strategy = strategyFor(s, devices.length);
  if (!hasMeanUpdateStep(strategy)) throw new Error('fedavg has a server step');
  const run = emptyRun('FedBuff', fleet, s.target);
  const options = { bufferSize: s.bufferSize, maxStaleness: s.maxStaleness, weighting: { kind: 'polynomial' as const, exponent: s.stalenessExponent, hingeAt: 0 } };
  let buffer = new FedBuffBuffer(env.initial.length, options);
  let global: Float32Array = env.initial.slice();
  let version = 0;
  let dispatched = 0;
  let stale = 0;
  const inFlight: { at: number; d: Device; base: number; delta: Float32Array | null }[] = [];
  const dispatch = async (t: number) => {
    const idle = devices.filter((d) => !d.gone && !inFlight.some((f) => f.d === d));
    const picked = sampleWithoutReplacement(idle, Math.min(s.concurrency - inFlight.length, idle.length), createRng(env.seed * 1_000_003 + dispatched));
    for (const d of picked) {
      dispatched++;
      d.trainings++;
      const dur = duration(env, d, s);
      if (d.drops && d.trainings === 2) inFlight.push({ at: t + dur / 2, d, base: version, delta: null });
      else inFlight.push({ at: t + dur, d, base: version, delta: await train(env, d, global, s, env.seed * 7919 + dispatched) });
    }
  };
  await dispatch(0);
  while (inFlight.length > 0 && run.updates < s.maxUpdates) {
    inFlight.sort((a, b) => a.at - b.at);
    const next = inFlight.shift()!;
    const t = next.at;
    if (t > s.maxVirtualSeconds) break;
    if (next.delta === null) {
      next.d.gone = true;
      run.dropped++;
    } else if (!buffer.admits(version - next.base)) {
      run.refusedStale++;
    } else {
      buffer.add(next.delta, next.d.data.count, version - next.base);
      stale += version - next.base;
      run.updates++;
      if (buffer.isFull) {
        global = strategy.applyMeanUpdate(global, buffer.mean());
        buffer = new FedBuffBuffer(env.initial.length, options);
        version++;
        run.commits = version;
        if (await record(env, run, global, t, version, started)) break;
      }
    }
    await dispatch(t);
  }
  run.meanStaleness = run.updates ? round(stale / run.updates, 2) : null;
  run.wallSeconds = round((performance.now() - started) / 1000, 1);
  return run;
}

function emptyRun(mode: VirtualRun['mode'], fleet: string, target: number): VirtualRun {
  return {
    mode, fleet, target, reached: false, virtualSecondsToTarget: null, versionsToTarget: null, updatesToTarget: null, accuracyAtTarget: null,
    finalAccuracy: 0, commits: 0, updates: 0, meanStaleness: null, refusedStale: 0, dropped: 0, wallSeconds: 0, curve: [],
  };
}

/** Evaluates a new version; true once it reaches the target. */
async function record(env: Env, run: VirtualRun, global: Float32Array, t: number, version: number, started: number): Promise<boolean> {
  const acc = await accuracy(env, global);
  run.finalAccuracy = round(acc, 4);
  run.curve.push([round(t, 1), round(acc, 4)]);
  progress(run, t, acc, started);
  if (acc < run.target) return false;
  Object.assign(run, { reached: true, virtualSecondsToTarget: round(t, 1), versionsToTarget: version, updatesToTarget: run.updates, accuracyAtTarget: round(acc, 4) });
  return true;
}
