// Running statistics of the staleness of the updates folded into one buffer: count, mean, max and a histogram.

/**
 * What a dashboard shows of a buffer's staleness, kept in O(distinct staleness values).
 * @example
 * const stats = new StalenessStats();
 * stats.add(0); stats.add(2);
 * stats.summary(); // { count: 2, mean: 1, max: 2, histogram: [1, 0, 1] }
 */
export class StalenessStats {
  #count = 0;
  #total = 0;
  #max = 0;
  readonly #histogram: number[] = [];

  add(staleness: number): void {
    this.#count++;
    this.#total += staleness;
    this.#max = Math.max(this.#max, staleness);
    while (this.#histogram.length <= staleness) this.#histogram.push(0);
    this.#histogram[staleness]!++;
  }

  get count(): number {
    return this.#count;
  }

  /** `histogram[τ]` is the number of updates τ versions stale; mean and max are 0 for an empty buffer. */
  summary(): { count: number; mean: number; max: number; histogram: number[] } {
    return { count: this.#count, mean: this.#count === 0 ? 0 : this.#total / this.#count, max: this.#max, histogram: [...this.#histogram] };
  }
}
