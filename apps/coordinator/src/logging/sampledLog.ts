// Log sampling for repeated rejections: the first few refusals of each code from each address are
// logged in full, the rest only as one summary line per interval ("N more FLT_X refused from ADDR
// in the last 10 s"). 3,000 junk frames used to write 3,000 warning lines; metrics still count
// every refusal, the log only has to say that it happens and who does it.

export interface SampledLogOptions {
  /** Refusals logged in full for a (code, address) before sampling starts. */
  firstLogged: number;
  intervalMs: number;
  /** Distinct (code, address) pairs tracked at once; further addresses share one entry, so memory stays bounded. */
  maxKeys: number;
}

export const DEFAULT_SAMPLED_LOG: SampledLogOptions = { firstLogged: 5, intervalMs: 10_000, maxKeys: 10_000 };

/** The part of a pino/Fastify logger this needs. */
export interface WarnLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

interface Entry {
  code: string;
  /** How the summary joins the code and the address: "refused from" or "from". */
  verb: string;
  address: string;
  logged: number;
  /** Refusals not logged since the last summary. */
  suppressed: number;
  /** Refusals seen during the current interval. */
  seen: number;
}

const OTHER_ADDRESSES = 'other addresses';

/**
 * @example
 * const rejections = new SampledLog(app.log);
 * rejections.refused('203.0.113.9', 'FLT_MALFORMED_JSON', { clientId }, 'client message refused');
 */
export class SampledLog {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly log: WarnLogger, private readonly options: SampledLogOptions = DEFAULT_SAMPLED_LOG) {
    this.timer = setInterval(() => this.flush(), options.intervalMs);
    this.timer.unref?.();
  }

  /** Logs the refusal in full while few of its kind came from `address`; otherwise counts it for the summary. */
  refused(address: string, code: string, fields: Record<string, unknown>, message: string): void {
    this.sample(address, code, 'refused from', fields, message);
  }

  /**
   * The same sampling for something a peer reports rather than something refused (a client's
   * training failure): summarised as "N more fit.failed from ADDR in the last 10 s".
   */
  noted(address: string, kind: string, fields: Record<string, unknown>, message: string): void {
    this.sample(address, kind, 'from', fields, message);
  }

  private sample(address: string, code: string, verb: string, fields: Record<string, unknown>, message: string): void {
    const entry = this.entry(address, code, verb);
    entry.seen++;
    if (entry.logged < this.options.firstLogged) {
      entry.logged++;
      this.log.warn({ ...fields, code, address }, message);
      return;
    }
    entry.suppressed++;
  }

  /**
   * Writes one summary line per (code, address) that had refusals left out. A pair quiet for a
   * whole interval is forgotten, so its next refusals are logged in full again.
   */
  flush(): void {
    const seconds = Math.round(this.options.intervalMs / 1000);
    for (const [key, entry] of this.entries) {
      if (entry.suppressed > 0) {
        this.log.warn(
          { code: entry.code, address: entry.address, refused: entry.suppressed, intervalSeconds: seconds },
          `${entry.suppressed} more ${entry.code} ${entry.verb} ${entry.address} in the last ${seconds} s`,
        );
        entry.suppressed = 0;
      }
      if (entry.seen === 0) this.entries.delete(key);
      entry.seen = 0;
    }
  }

  /** Writes the pending summaries and stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private entry(address: string, code: string, verb: string): Entry {
    let key = `${code} ${address}`;
    let entry = this.entries.get(key);
    if (entry) return entry;
    if (this.entries.size >= this.options.maxKeys) {
      address = OTHER_ADDRESSES;
      key = `${code} ${address}`;
      entry = this.entries.get(key);
      if (entry) return entry;
    }
    entry = { code, verb, address, logged: 0, suppressed: 0, seen: 0 };
    this.entries.set(key, entry);
    return entry;
  }
}
