// The updates light clients send: the task's shapes learnt once per model version from the same
// weights URL real clients fetch, and one encoded frame per round shared by every light client of
// the process (no training, no per-client encoding), so thousands of clients cost the coordinator
// what real ones cost and this process almost nothing.

import { decodeFrame, encodeFrame, type CodecSpec, type NamedTensor, type RoundPlan } from '@flotilla/protocol';

/** The numbers a light client claims for an update: fixed, plausible, the same for every client. */
export interface UpdateClaims {
  numExamples: number;
  trainMs: number;
}

/**
 * Frames of synthetic updates keyed by task, round and version; shapes come from the plan's weights.
 * @example const frame = await updates.frameFor(plan, { numExamples: 100, trainMs: 500 });
 */
export class SyntheticUpdates {
  private readonly shapes = new Map<string, Promise<number[][]>>();
  private readonly frames = new Map<string, Promise<Uint8Array>>();

  /** `httpBase`: the coordinator or edge the weights URL is relative to (http://host:port). */
  constructor(private readonly httpBase: string, private readonly fetchImpl: typeof fetch = fetch) {}

  frameFor(plan: RoundPlan, claims: UpdateClaims): Promise<Uint8Array> {
    const codec: CodecSpec = plan.fit.uplink ?? { codec: 'float32' };
    const key = `${plan.taskId}/${plan.round}/${plan.modelVersion}/${plan.fit.localSteps ?? ''}/${JSON.stringify(codec)}`;
    let frame = this.frames.get(key);
    if (!frame) {
      frame = this.build(plan, codec, claims);
      frame.catch(() => this.frames.delete(key));
      // Rounds move on: only the latest few frames are worth keeping.
      if (this.frames.size >= 8) this.frames.delete(this.frames.keys().next().value!);
      this.frames.set(key, frame);
    }
    return frame;
  }

  private async build(plan: RoundPlan, codec: CodecSpec, claims: UpdateClaims): Promise<Uint8Array> {
    const shapes = await this.shapesOf(plan.weightsUrl);
    // A small smooth delta: finite, far inside any update-norm bound, and not all zeros.
    const tensors: NamedTensor[] = shapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) values[i] = 1e-4 * Math.sin(i + plan.round);
      return { shape, values };
    });
    const message = {
      type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: claims.numExamples,
      metrics: { loss: 1, accuracy: 0.5, trainMs: claims.trainMs },
      ...(plan.fit.localSteps === undefined ? {} : { localSteps: plan.fit.localSteps }),
    };
    return encodeFrame(message, tensors, codec);
  }

  private shapesOf(weightsUrl: string): Promise<number[][]> {
    let shapes = this.shapes.get(weightsUrl);
    if (!shapes) {
      shapes = (async () => {
        const response = await this.fetchImpl(new URL(weightsUrl, this.httpBase));
        if (!response.ok) throw new Error(`weights ${weightsUrl}: HTTP ${response.status}`);
        const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
        return frame.tensors.map((t) => [...t.shape]);
      })();
      shapes.catch(() => this.shapes.delete(weightsUrl));
      this.shapes.set(weightsUrl, shapes);
    }
    return shapes;
  }
}
