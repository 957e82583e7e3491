// The client's own measure of its uplink: bytes of each upload over the time from handing it to the
// socket to the coordinator's `update.ack`, smoothed, so a slow link gets the task's slow-link codec
// without the operator declaring it.

/** Weight of the newest sample in the moving average: two uploads move it most of the way. */
const SMOOTHING = 0.5;
/** Uploads smaller than this measure latency more than throughput: not counted. */
const MIN_SAMPLE_BYTES = 4 * 1024;

/**
 * Measures upload throughput in kilobits per second from the client's own uploads. The time to the
 * ack includes the coordinator's work on the update, so the figure errs low: a claim that can only
 * get the client a cheaper codec, never anything else.
 * @example
 * const meter = new UplinkMeter(navigatorSeed());
 * meter.sent('t', 3, frame.byteLength);
 * meter.acked('t', 3); // a new estimate: say it in the next heartbeat
 * hello.device.uplinkKbps = meter.kbps;
 */
export class UplinkMeter {
  #kbps: number | undefined;
  #measured = false;
  #pending = new Map<string, { bytes: number; at: number }>();

  /** `seedKbps`: a first guess (the browser's navigator.connection) until an upload is measured. */
  constructor(seedKbps?: number, private readonly now: () => number = () => performance.now()) {
    if (seedKbps !== undefined && Number.isFinite(seedKbps) && seedKbps > 0) this.#kbps = seedKbps;
  }

  /** The current estimate (kbit/s), undefined before a seed or a measured upload. */
  get kbps(): number | undefined {
    return this.#kbps === undefined ? undefined : Math.round(this.#kbps);
  }

  /** Whether the estimate comes from this client's own uploads (not only from a seed). */
  get measured(): boolean {
    return this.#measured;
  }

  /** An upload of `bytes` for (task, round) was handed to the socket now. */
  sent(taskId: string, round: number, bytes: number): void {
    if (bytes >= MIN_SAMPLE_BYTES) this.#pending.set(`${taskId}/${round}`, { bytes, at: this.now() });
  }

  /** The coordinator acknowledged (task, round): returns true when the estimate changed. */
  acked(taskId: string, round: number): boolean {
    const key = `${taskId}/${round}`;
    const upload = this.#pending.get(key);
    this.#pending.delete(key);
    if (!upload) return false;
    const ms = Math.max(1, this.now() - upload.at);
    const sample = (upload.bytes * 8) / ms; // bits per ms = kbit/s
    // A seed is only a guess: the first measured sample replaces it.
    this.#kbps = this.#measured && this.#kbps !== undefined ? SMOOTHING * sample + (1 - SMOOTHING) * this.#kbps : sample;
    this.#measured = true;
    return true;
  }

  /** Forgets uploads in flight (the connection closed: no ack will come). */
  reset(): void {
    this.#pending.clear();
  }
}

/**
 * The browser's own estimate of its bandwidth, kbit/s, where it has one (Network Information API,
 * `downlink` in Mbit/s: a downlink figure, a seed until the client measured its uplink).
 * @example new UplinkMeter(navigatorSeed(globalThis.navigator));
 */
export function navigatorSeed(nav: unknown): number | undefined {
  const downlink = (nav as { connection?: { downlink?: unknown } } | undefined)?.connection?.downlink;
  return typeof downlink === 'number' && Number.isFinite(downlink) && downlink > 0 ? downlink * 1000 : undefined;
}
