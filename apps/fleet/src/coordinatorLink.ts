// The fleet's side of the coordinator's availability: REST calls and the event stream that lose
// the coordinator (a crash, a restart, a network cut) wait and try again with exponential
// backoff and full jitter (as the clients do), print where they stand, and give up only after a
// bounded outage. What is refused on purpose (a 4xx with a code) is not retried.

import type { FleetReporter } from './report.ts';

export interface LinkOptions {
  baseMs: number;
  maxMs: number;
  /** The longest outage the fleet waits out before it fails. */
  giveUpAfterMs: number;
}

const REQUEST_TIMEOUT_MS = 60_000;

export const DEFAULT_LINK: LinkOptions = { baseMs: 500, maxMs: 10_000, giveUpAfterMs: 15 * 60_000 };

/** A non-2xx answer of the coordinator's REST API. */
export class CoordinatorHttpError extends Error {
  constructor(readonly status: number, readonly code: string | null, message: string) {
    super(message);
    this.name = 'CoordinatorHttpError';
  }
}

/** The coordinator ended an event stream the fleet still needs (it is shutting down or restarting). */
export class StreamEndedError extends Error {
  override name = 'StreamEndedError';
}

/** The coordinator could not be reached for longer than the fleet waits. */
export class CoordinatorGoneError extends Error {
  override name = 'CoordinatorGoneError';
}

/**
 * True when an error means the coordinator is away (no connection, a connection cut mid-answer,
 * a 5xx while it starts or stops) rather than a refusal worth reporting.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof CoordinatorHttpError) return err.status >= 500;
  if (!(err instanceof Error)) return false;
  // undici: 'fetch failed' (refused, reset, DNS) and 'terminated' (the body was cut off).
  if (err.name === 'TypeError' && (err.message === 'fetch failed' || err.message === 'terminated')) return true;
  if (err instanceof StreamEndedError || err.name === 'TimeoutError') return true;
  return /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|socket hang up|other side closed/.test(`${err.message} ${(err as { code?: string }).code ?? ''}`)
    || (err.cause instanceof Error && isUnreachable(err.cause));
}

/** Full jitter (Brooker, "Exponential Backoff And Jitter", AWS 2015): uniform in [0, min(max, base·2^attempt)]. */
export function backoffDelay(attempt: number, options: Pick<LinkOptions, 'baseMs' | 'maxMs'>, random = Math.random): number {
  return random() * Math.min(options.maxMs, options.baseMs * 2 ** attempt);
}

const abortableSleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(done, ms);
  function done() {
    clearTimeout(timer);
    signal.removeEventListener('abort', done);
    resolve();
  }
  signal.addEventListener('abort', done, { once: true });
});

/**
 * One per fleet: counts outages (for the summary) and paces every retry.
 * @example const task = await link.retry('task', () => getJson(`${url}/api/tasks/${id}`));
 */
export class CoordinatorLink {
  outages = 0;
  downMs = 0;
  private downSince: number | null = null;
  private attempt = 0;

  constructor(
    private readonly reporter: FleetReporter,
    readonly signal: AbortSignal,
    private readonly options: LinkOptions = DEFAULT_LINK,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
  ) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  /** The coordinator answered: an outage in progress ends here. */
  up(): void {
    if (this.downSince === null) return;
    const ms = this.now() - this.downSince;
    this.downMs += ms;
    this.downSince = null;
    this.attempt = 0;
    this.reporter.info(`coordinator reachable again after ${(ms / 1000).toFixed(1)} s`);
  }

  /**
   * Waits before the next try after `err`; throws `err` itself when it is not an outage, or a
   * CoordinatorGoneError when the outage has lasted too long.
   */
  async failed(err: unknown, what: string): Promise<void> {
    if (this.signal.aborted || !isUnreachable(err)) throw err;
    if (this.downSince === null) {
      this.downSince = this.now();
      this.outages++;
    }
    const downFor = this.now() - this.downSince;
    if (downFor > this.options.giveUpAfterMs) {
      throw new CoordinatorGoneError(`coordinator unreachable for ${Math.round(downFor / 1000)} s (${what}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const delay = backoffDelay(this.attempt++, this.options);
    this.reporter.warn(`coordinator unreachable (${what}: ${describe(err)}), retrying in ${(delay / 1000).toFixed(1)} s`);
    await this.sleep(delay, this.signal);
  }

  /** Runs `fn` until it succeeds, waiting out outages; a refusal or the signal ends it. */
  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const value = await fn();
        this.up();
        return value;
      } catch (err) {
        await this.failed(err, what);
      }
    }
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? (err.cause as Error & { code?: string }).code ?? err.cause.message : null;
  return cause ? `${err.message}, ${cause}` : err.message;
}

/**
 * GET/POST the coordinator's REST API and parse the JSON answer; a non-2xx answer throws a
 * CoordinatorHttpError with the body's code.
 */
export async function requestJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  // A host that vanished without closing its sockets would leave a call waiting for ever.
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
  const text = await response.text();
  let body: (T & { code?: string; message?: string }) | null = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (err) {
    // A proxy's HTML error page while the coordinator restarts is an answer, not JSON.
    if (response.ok) throw err;
  }
  if (!response.ok) {
    throw new CoordinatorHttpError(response.status, body?.code ?? null, `${response.url}: ${body?.code ?? response.status} ${body?.message ?? ''}`);
  }
  return body as T;
}
