// A simulated slow device for tests and benchmarks: real tfjs training, step by step, with a pause
// after each step of (slowdown − 1) × the step's measured training time, honouring the plan's
// local steps and the partial-work stop like a real device would.

import type { DeviceInfo } from '@flotilla/protocol';
import type { Trainer, TrainJob, TrainOutcome } from './types.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Wraps a trainer so it behaves like a device `slowdown` times slower: each local step is one call
 * of the inner trainer (its batch drawn with the step's own seed, so batches are sampled rather
 * than swept in epochs; the FedProx anchor moves with each step, so use it with μ = 0), followed by
 * a pause of (slowdown − 1) × that step's trainMs. The update, steps and trainMs it reports are
 * the whole run's, pauses included: what a slow device would report. `claimExamplesPerSec`
 * overrides what the device tells the coordinator at hello (a lying or calibrated claim).
 * @example const slow = new SlowTrainer(shared, { slowdown: 4 });
 */
export class SlowTrainer implements Trainer {
  constructor(private readonly inner: Trainer, private readonly options: { slowdown: number; claimExamplesPerSec?: number }) {}

  device(): DeviceInfo {
    const claim = this.options.claimExamplesPerSec;
    return { ...this.inner.device(), ...(claim === undefined ? {} : { examplesPerSec: claim }) };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    const { plan } = job;
    const count = job.examples?.length ?? job.data.count;
    const planned = plan.localSteps ?? plan.epochs * Math.ceil(count / plan.batchSize);
    const current = job.weights.slice();
    const started = performance.now();
    let last: TrainOutcome | null = null;
    let steps = 0;
    while (steps < planned) {
      job.signal.throwIfAborted();
      const outcome = await this.inner.train({ ...job, weights: current, plan: { ...plan, localSteps: 1, seed: (plan.seed + steps * 7919) >>> 0 }, onProgress: () => {} });
      for (let i = 0; i < current.length; i++) current[i]! += outcome.update[i]!;
      steps++;
      last = outcome;
      job.onProgress({ epoch: 1, epochs: 1, batch: steps, batches: planned, loss: outcome.metrics.loss });
      const pause = (this.options.slowdown - 1) * outcome.metrics.trainMs;
      // A stop falling inside the pause ends it there: the pause stands for the step's own slowness,
      // and one slow warm-up step (tfjs compiles on its first call) must not outlast the deadline.
      await sleep(job.stopAt === undefined ? pause : Math.max(0, Math.min(pause, job.stopAt - Date.now())));
      if (job.stopAt !== undefined && Date.now() >= job.stopAt) break;
    }
    const update = current;
    for (let i = 0; i < update.length; i++) update[i]! -= job.weights[i]!;
    return {
      update, shapes: last!.shapes, numExamples: last!.numExamples, localSteps: steps,
      metrics: { loss: last!.metrics.loss, accuracy: last!.metrics.accuracy, trainMs: performance.now() - started },
    };
  }
}
