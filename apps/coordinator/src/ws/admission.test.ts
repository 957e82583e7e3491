import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { Admission, DEFAULT_ADMISSION_LIMITS, closeCodeFor, type AdmissionLimits } from './admission.ts';

const limits = (overrides: Partial<AdmissionLimits>): AdmissionLimits => ({ ...DEFAULT_ADMISSION_LIMITS, ...overrides });
const codeOf = (fn: () => unknown): { code: string; fatal: boolean } | null => {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof FlotillaError)) throw err;
    return { code: err.code, fatal: err.fatal };
  }
};

describe('Admission', () => {
  it('caps connections per address and lets the address in again once one closes', () => {
    const admission = new Admission(limits({ maxConnectionsPerAddress: 2 }));
    const a = admission.openConnection('198.51.100.1');
    admission.openConnection('198.51.100.1');

    expect(codeOf(() => admission.openConnection('198.51.100.1'))).toEqual({ code: ErrorCodes.TOO_MANY_CONNECTIONS, fatal: true });
    expect(codeOf(() => admission.openConnection('198.51.100.2'))).toBeNull();
    a.release();
    a.release();
    expect(codeOf(() => admission.openConnection('198.51.100.1'))).toBeNull();
    expect(admission.connections).toBe(3);
  });

  it('counts the addresses of one IPv6 /64 as one address', () => {
    const admission = new Admission(limits({ maxConnectionsPerAddress: 2 }));
    admission.openConnection('2001:db8:1:2::1');
    admission.openConnection('2001:db8:1:2::2');

    expect(codeOf(() => admission.openConnection('2001:db8:1:2:abcd::3'))?.code).toBe(ErrorCodes.TOO_MANY_CONNECTIONS);
    expect(codeOf(() => admission.openConnection('2001:db8:1:3::1'))).toBeNull();
  });

  it('caps connections in total, whatever the address', () => {
    const admission = new Admission(limits({ maxConnections: 3 }));
    for (let i = 0; i < 3; i++) admission.openConnection(`203.0.113.${i}`);

    expect(codeOf(() => admission.openConnection('203.0.113.99'))?.code).toBe(ErrorCodes.TOO_MANY_CONNECTIONS);
  });

  it('admits a burst of hellos per address, then refuses until the bucket refills', () => {
    let now = 0;
    const admission = new Admission(limits({ helloBurst: 3, hellosPerMinute: 60 }), () => now);
    for (let i = 0; i < 3; i++) admission.admitHello('192.0.2.7');

    expect(codeOf(() => admission.admitHello('192.0.2.7'))).toEqual({ code: ErrorCodes.RATE_LIMITED, fatal: true });
    expect(codeOf(() => admission.admitHello('192.0.2.8'))).toBeNull();
    now += 1_000;
    expect(codeOf(() => admission.admitHello('192.0.2.7'))).toBeNull();
    expect(codeOf(() => admission.admitHello('192.0.2.7'))?.code).toBe(ErrorCodes.RATE_LIMITED);
  });

  it('refuses messages past the burst without closing, and closes a connection that keeps going far past it', () => {
    let now = 0;
    const ticket = new Admission(limits({ messageBurst: 5, messagesPerSecond: 10 }), () => now).openConnection('192.0.2.1');
    for (let i = 0; i < 5; i++) ticket.admitMessage();

    const refusals = Array.from({ length: 6 }, () => codeOf(() => ticket.admitMessage()));
    expect(refusals.slice(0, 5)).toEqual(Array(5).fill({ code: ErrorCodes.RATE_LIMITED, fatal: false }));
    expect(refusals[5]).toEqual({ code: ErrorCodes.RATE_LIMITED, fatal: true });
  });

  it('forgives a client that slows down: its refusals refill at the message rate', () => {
    let now = 0;
    const ticket = new Admission(limits({ messageBurst: 2, messagesPerSecond: 10 }), () => now).openConnection('192.0.2.1');
    for (let round = 0; round < 5; round++) {
      ticket.admitMessage();
      ticket.admitMessage();
      expect(codeOf(() => ticket.admitMessage())?.fatal).toBe(false);
      expect(codeOf(() => ticket.admitMessage())?.fatal).toBe(false);
      now += 200;
    }
  });

  it('closes a connection that keeps sending far above its rate, though the refill admits a message now and then', () => {
    let now = 0;
    const ticket = new Admission(DEFAULT_ADMISSION_LIMITS, () => now).openConnection('192.0.2.1');
    // 2,000 messages a second against 50 for 5 s: every fortieth is admitted, so the refusals never run 200 in a row.
    const outcomes = Array.from({ length: 10_000 }, () => {
      now += 0.5;
      return codeOf(() => ticket.admitMessage());
    });

    expect(outcomes.some((o) => o?.fatal === true)).toBe(true);
  });

  it('never limits what a SecAgg client sends in a round: heartbeat, progress twice a second, four SecAgg messages', () => {
    let now = 0;
    const ticket = new Admission(DEFAULT_ADMISSION_LIMITS, () => now).openConnection('127.0.0.1');
    for (let second = 0; second < 600; second++) {
      const sent = 2 + (second % 5 === 0 ? 1 : 0) + (second % 10 === 0 ? 4 : 0);
      for (let i = 0; i < sent; i++) expect(codeOf(() => ticket.admitMessage())).toBeNull();
      now += 1000;
    }
  });

  it('lets a fleet of 100 clients on one address connect and say hello at once, twice (a coordinator restart)', () => {
    const admission = new Admission();
    for (let wave = 0; wave < 2; wave++) {
      const tickets = Array.from({ length: 100 }, () => admission.openConnection('127.0.0.1'));
      for (let i = 0; i < 100; i++) admission.admitHello('127.0.0.1');
      for (const t of tickets) t.release();
    }
    expect(admission.connections).toBe(0);
  });

  it('caps concurrent event streams', () => {
    const admission = new Admission(limits({ maxEventStreams: 1 }));
    const release = admission.openEventStream();

    expect(codeOf(() => admission.openEventStream())).toEqual({ code: ErrorCodes.TOO_MANY_CONNECTIONS, fatal: false });
    release();
    expect(codeOf(() => admission.openEventStream())).toBeNull();
  });

  it('closes limit refusals with 1013 "try again later"', () => {
    expect(closeCodeFor(new FlotillaError(ErrorCodes.RATE_LIMITED, '', true))).toBe(1013);
    expect(closeCodeFor(new FlotillaError(ErrorCodes.TOO_MANY_CONNECTIONS, '', true))).toBe(1013);
    expect(closeCodeFor(new FlotillaError(ErrorCodes.FRAME_TOO_LARGE, '', true))).toBe(1009);
    expect(closeCodeFor(new FlotillaError(ErrorCodes.MALFORMED_JSON, '', true))).toBe(1008);
  });
});
