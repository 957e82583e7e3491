// Per-client training speed and round-trip overhead, from the hello's claim and, once a round has
// finished, from what the client delivered as the coordinator measured it.

/** How fast a client trains and what a round costs it besides training (download, upload, queueing). */
export interface SpeedEstimate {
  examplesPerSec: number;
  overheadMs: number;
  /** False while it is only the hello's claim. */
  observed: boolean;
}

/** One finished round of a client, as the coordinator saw it. */
export interface RoundObservation {
  /** Examples the client trained on (steps × batch, or epochs × examples). */
  examplesTrained: number;
  /** The training time the client reported (metrics.trainMs). */
  trainMs: number;
  /** Plan sent → update received, on the coordinator's clock. */
  wallMs: number;
}

/** Weight of a new observation in the running estimate: half, so a device that slows down is followed within a few rounds. */
const SMOOTHING = 0.5;

/**
 * The reported trainMs is believed only between half the measured round trip and all of it: a
 * client that claims a tiny trainMs (a huge speed) is held to at most twice the speed it actually
 * delivered, and can never claim more training time than the round trip it took.
 */
const TRUSTED_TRAIN_SHARE = 0.5;

/**
 * Smoothed speed estimates, keyed by client. The hello's `examplesPerSec` is a prior used until the
 * first observed round; from then on observations replace it (exponential smoothing, α = 0.5).
 * @example
 * const speeds = new SpeedEstimates();
 * speeds.observe('c1', { examplesTrained: 600, trainMs: 1000, wallMs: 1200 });
 * speeds.estimate('c1'); // { examplesPerSec: 600, overheadMs: 200, observed: true }
 */
export class SpeedEstimates {
  private readonly observed = new Map<string, SpeedEstimate>();

  /** The estimate for a client: observed if any round finished, else its claim, else undefined. */
  estimate(clientId: string, claimedExamplesPerSec?: number): SpeedEstimate | undefined {
    const seen = this.observed.get(clientId);
    if (seen) return seen;
    if (claimedExamplesPerSec === undefined || !(claimedExamplesPerSec > 0)) return undefined;
    return { examplesPerSec: claimedExamplesPerSec, overheadMs: 0, observed: false };
  }

  /**
   * A client missed a deadline: it trains slower than `examplesPerSec` (the speed that would just
   * have fit), so its estimate drops to that bound if it was higher. Without this, a client that
   * never reports in time would never be measured and would be asked for the same work forever.
   */
  slowerThan(clientId: string, examplesPerSec: number): void {
    if (!(examplesPerSec > 0)) return;
    const seen = this.observed.get(clientId);
    if (seen && seen.examplesPerSec <= examplesPerSec) return;
    this.observed.set(clientId, { examplesPerSec, overheadMs: seen?.overheadMs ?? 0, observed: true });
  }

  observe(clientId: string, o: RoundObservation): void {
    if (!(o.examplesTrained > 0) || !(o.wallMs > 0) || !Number.isFinite(o.trainMs)) return;
    const trainMs = Math.min(o.wallMs, Math.max(o.trainMs, TRUSTED_TRAIN_SHARE * o.wallMs));
    const sample = { examplesPerSec: o.examplesTrained / (trainMs / 1000), overheadMs: o.wallMs - trainMs };
    const previous = this.observed.get(clientId);
    this.observed.set(clientId, previous
      ? {
        examplesPerSec: previous.examplesPerSec + SMOOTHING * (sample.examplesPerSec - previous.examplesPerSec),
        overheadMs: previous.overheadMs + SMOOTHING * (sample.overheadMs - previous.overheadMs),
        observed: true,
      }
      : { ...sample, observed: true });
  }
}
