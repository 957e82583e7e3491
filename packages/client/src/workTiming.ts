// Device-aware work on the client: when partial work stops, and how many examples a step count
// stands for (the speed the client reports).

/** Least time kept between the stop and the deadline for the upload. */
export const PARTIAL_MARGIN_MS = 500;
/** Share of the time the plan leaves that is kept for the upload, when more than the least. */
export const PARTIAL_MARGIN_SHARE = 0.1;

/**
 * When a plan with `acceptPartial` stops training: before the deadline by a tenth of the time the
 * plan left (at least 500 ms), so the update still arrives in time.
 * @example partialStop(60_000, 0); // 54_000
 */
export function partialStop(deadline: number, now: number): number {
  return deadline - Math.max(PARTIAL_MARGIN_MS, PARTIAL_MARGIN_SHARE * (deadline - now));
}

/**
 * Examples seen in `steps` batches of B over n examples (a short last batch counted as full:
 * an estimate, for the speed a client reports).
 * @example examplesTrained(12, 10, 100); // 120
 */
export function examplesTrained(steps: number, batchSize: number, numExamples: number): number {
  return steps * Math.min(batchSize, numExamples);
}
