// A simulated slow device for Node fleets: a trainer that takes X× as long as the one it wraps,
// by waiting (X − 1)× each training's measured time afterwards, without using a core (clients of a
// thread share its trainer, so burning CPU would slow the fast ones too). Unlike @flotilla/client's
// SlowTrainer (step by step, for tests and benchmarks) it runs the wrapped training whole, so
// personalised training keeps its personal state and head, and evaluation passes through.

import { createRng, shuffleInPlace } from '@flotilla/core';
import type { EvaluateJob, PersonalEvaluateJob, PersonalMetrics, Trainer, TrainJob, TrainOutcome } from '@flotilla/client';
import type { DeviceInfo, EvaluationMetrics } from '@flotilla/protocol';

/**
 * Wraps a trainer so it reports and behaves like an X× slower device: its speed in the hello is
 * divided by X, each training ends (X − 1)× its time later and reports X× its `trainMs` (what the
 * coordinator's work planner measures). Evaluation (global and personal) is unchanged.
 * @example const slow = new DelayedTrainer(trainer, 4);
 */
export class DelayedTrainer implements Trainer {
  /** Present when the wrapped trainer evaluates (without it the client refuses evaluations with a code). */
  readonly evaluate?: (job: EvaluateJob) => Promise<EvaluationMetrics>;
  /** Present when the wrapped trainer evaluates personal models (without it only the global model is reported). */
  readonly evaluatePersonal?: (job: PersonalEvaluateJob) => Promise<PersonalMetrics>;

  constructor(private readonly inner: Trainer, readonly factor: number) {
    if (!(factor >= 1)) throw new RangeError(`a slow-down factor is at least 1, got ${factor}`);
    if (inner.evaluate) this.evaluate = (job) => inner.evaluate!(job);
    if (inner.evaluatePersonal) this.evaluatePersonal = (job) => inner.evaluatePersonal!(job);
  }

  device(): DeviceInfo {
    const info = this.inner.device();
    return info.examplesPerSec === undefined ? info : { ...info, examplesPerSec: info.examplesPerSec / this.factor };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    const outcome = await this.inner.train(job);
    // A partial-work stop falling inside the pause ends it there, as the device would have stopped.
    const pauseMs = (this.factor - 1) * outcome.metrics.trainMs;
    await pause(job.stopAt === undefined ? pauseMs : Math.max(0, Math.min(pauseMs, job.stopAt - Date.now())), job.signal);
    return { ...outcome, metrics: { ...outcome.metrics, trainMs: outcome.metrics.trainMs * this.factor } };
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The clients (indices 0..count−1) that are slow: a `fraction` of them, chosen by the seed
 * (independently of the Byzantine choice, which uses the same seed differently).
 * @example slowClients(10, 0.3, 1) // three indices
 */
export function slowClients(count: number, fraction: number, seed: number): number[] {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`the slow fraction must be in [0, 1], got ${fraction}`);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  shuffleInPlace(order, createRng((seed ^ 0x2545f491) >>> 0));
  return Array.from(order.subarray(0, Math.round(fraction * count))).sort((a, b) => a - b);
}
