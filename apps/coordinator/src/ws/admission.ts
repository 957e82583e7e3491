// Admission control for the client endpoints: connection caps (in total and per remote address),
// a hello rate per address and a message rate per connection (token buckets), and a cap on
// concurrent event streams. Anyone may open /ws, so these bound what one peer can make the
// coordinator hold, write and log.

import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { addressKey } from './addressKey.ts';
import { TokenBucket } from './tokenBucket.ts';

export interface AdmissionLimits {
  /** Open /ws connections, all addresses together. */
  maxConnections: number;
  /** Open /ws connections from one remote address. */
  maxConnectionsPerAddress: number;
  /** Sustained hellos per minute from one remote address… */
  hellosPerMinute: number;
  /** …after a burst of this many (a whole fleet, or a site behind one NAT, reconnecting at once). */
  helloBurst: number;
  /** Sustained messages per second on one connection… */
  messagesPerSecond: number;
  /**
   * …after a burst of this many. Past the burst a message is refused; refusals draw on a second
   * bucket of the same size and rate, and the refusal that finds it empty closes the connection
   * (a client sending over twice its rate is closed, however the refill interleaves).
   */
  messageBurst: number;
  /** Concurrent /api/events streams. */
  maxEventStreams: number;
}

/**
 * Defaults chosen so that legitimate traffic is never limited. A client sends a heartbeat every
 * 5 s, progress at most twice a second and, per round, one update or four SecAgg messages: well
 * under 3 messages/s, against 50/s with a burst of 200. `npm run fleet -- --node --clients 100`
 * and the browser fleets connect every client from 127.0.0.1 at once, and after a coordinator
 * restart all of them say hello again together: 256 connections and a hello burst of 256 per
 * address hold them (and a campus behind one NAT), and 240 hellos a minute let dropped tabs
 * reconnect. Loopback is not exempt: behind an untrusted proxy every user shares its address,
 * and the totals would be the only bound left.
 */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = {
  maxConnections: 4096,
  maxConnectionsPerAddress: 256,
  hellosPerMinute: 240,
  helloBurst: 256,
  messagesPerSecond: 50,
  messageBurst: 200,
  maxEventStreams: 64,
};

/** Hello buckets of quiet addresses are dropped this often, so the table stays as small as the set of recent callers. */
const SWEEP_INTERVAL_MS = 60_000;

/** WebSocket close code for a refusal caused by load (RFC 6455 §7.4.1: "Try Again Later"). */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** The close code that goes with a fatal error: 1013 for limits, 1009 for a frame too large, 1008 otherwise. */
export function closeCodeFor(err: FlotillaError): number {
  if (err.code === ErrorCodes.TOO_MANY_CONNECTIONS || err.code === ErrorCodes.RATE_LIMITED) return CLOSE_TRY_AGAIN_LATER;
  return err.code === ErrorCodes.FRAME_TOO_LARGE ? 1009 : 1008;
}

/** One admitted connection: its message rate, and its place in the caps until released. */
export interface ConnectionTicket {
  /** The key the connection counts under (addressKey of the peer's IP). */
  readonly address: string;
  /** Throws FLT_RATE_LIMITED (non-fatal while the excess is small, fatal when it keeps going). */
  admitMessage(): void;
  /** Frees the connection's place; idempotent. */
  release(): void;
}

/**
 * @example
 * const ticket = admission.openConnection(req.ip);   // throws FLT_TOO_MANY_CONNECTIONS
 * socket.on('message', () => ticket.admitMessage());  // throws FLT_RATE_LIMITED
 * socket.on('close', () => ticket.release());
 */
export class Admission {
  private total = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly hellos = new Map<string, TokenBucket>();
  private streams = 0;
  private lastSweep: number;

  constructor(readonly limits: AdmissionLimits = DEFAULT_ADMISSION_LIMITS, private readonly now: () => number = Date.now) {
    this.lastSweep = now();
  }

  get connections(): number {
    return this.total;
  }

  /** `address` is the peer's IP; IPv6 peers are counted per /64 (addressKey). */
  openConnection(ip: string): ConnectionTicket {
    const address = addressKey(ip);
    const { maxConnections, maxConnectionsPerAddress, messagesPerSecond, messageBurst } = this.limits;
    const held = this.perAddress.get(address) ?? 0;
    if (this.total >= maxConnections) {
      throw new FlotillaError(ErrorCodes.TOO_MANY_CONNECTIONS, `the coordinator holds its maximum of ${maxConnections} connections; try again later`, true);
    }
    if (held >= maxConnectionsPerAddress) {
      throw new FlotillaError(ErrorCodes.TOO_MANY_CONNECTIONS, `${held} connections from this address already (at most ${maxConnectionsPerAddress}); try again later`, true);
    }
    this.total++;
    this.perAddress.set(address, held + 1);
    const bucket = new TokenBucket(messageBurst, messagesPerSecond, this.now());
    // Counting refusals in a row missed a client far above its rate: with a burst of 200 at 50/s,
    // one message admitted every 20 ms reset the count, so 10,000 messages a second went on forever.
    const refusals = new TokenBucket(messageBurst, messagesPerSecond, this.now());
    let released = false;
    return {
      address,
      admitMessage: () => {
        const now = this.now();
        if (bucket.take(now)) return;
        const fatal = !refusals.take(now);
        throw new FlotillaError(ErrorCodes.RATE_LIMITED, `more than ${messagesPerSecond} messages per second (burst ${messageBurst}); message dropped${fatal ? ', closing' : ''}`, fatal);
      },
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      },
    };
  }

  /** Counts a hello from `address`; throws a fatal FLT_RATE_LIMITED past the hello rate. */
  admitHello(ip: string): void {
    const address = addressKey(ip);
    const now = this.now();
    this.sweep(now);
    let bucket = this.hellos.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.helloBurst, this.limits.hellosPerMinute / 60, now);
      this.hellos.set(address, bucket);
    }
    if (!bucket.take(now)) {
      throw new FlotillaError(ErrorCodes.RATE_LIMITED, `more than ${this.limits.hellosPerMinute} hellos per minute from this address; try again later`, true);
    }
  }

  /** Takes a place for an event stream; the returned function frees it (idempotent). */
  openEventStream(): () => void {
    if (this.streams >= this.limits.maxEventStreams) {
      throw new FlotillaError(ErrorCodes.TOO_MANY_CONNECTIONS, `${this.streams} event streams are open already (at most ${this.limits.maxEventStreams}); try again later`);
    }
    this.streams++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.streams--;
    };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [address, bucket] of this.hellos) if (bucket.full(now)) this.hellos.delete(address);
  }
}
