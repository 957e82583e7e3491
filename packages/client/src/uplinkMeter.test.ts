// Tests of the uplink meter: bytes over time to the ack, smoothing, seeds and what it ignores.
import { describe, expect, it } from 'vitest';
import { UplinkMeter, navigatorSeed } from './uplinkMeter.ts';

function clocked(seed?: number): { meter: UplinkMeter; advance: (ms: number) => void } {
  let now = 0;
  return { meter: new UplinkMeter(seed, () => now), advance: (ms) => (now += ms) };
}

describe('UplinkMeter', () => {
  it('measures bytes·8 over the milliseconds from send to ack, in kbit/s', () => {
    const { meter, advance } = clocked();
    expect(meter.kbps).toBeUndefined();
    meter.sent('t', 1, 100_000);
    advance(400);
    expect(meter.acked('t', 1)).toBe(true);
    expect(meter.kbps).toBe(2000);
    expect(meter.measured).toBe(true);
  });

  it('smooths: a second upload moves the estimate halfway', () => {
    const { meter, advance } = clocked();
    meter.sent('t', 1, 100_000);
    advance(400);
    meter.acked('t', 1);
    meter.sent('t', 2, 100_000);
    advance(800);
    meter.acked('t', 2);
    expect(meter.kbps).toBe(1500);
  });

  it('a seed stands until the first measurement replaces it outright', () => {
    const { meter, advance } = clocked(10_000);
    expect(meter.kbps).toBe(10_000);
    expect(meter.measured).toBe(false);
    meter.sent('t', 1, 50_000);
    advance(1000);
    meter.acked('t', 1);
    expect(meter.kbps).toBe(400);
  });

  it('ignores uploads too small to measure throughput, acks of unknown rounds, and uploads cut by a reconnect', () => {
    const { meter, advance } = clocked();
    meter.sent('t', 1, 1000);
    advance(10);
    expect(meter.acked('t', 1)).toBe(false);
    expect(meter.acked('t', 9)).toBe(false);
    meter.sent('t', 2, 100_000);
    meter.reset();
    advance(10);
    expect(meter.acked('t', 2)).toBe(false);
    expect(meter.kbps).toBeUndefined();
  });

  it('seeds from navigator.connection.downlink (Mbit/s) where the browser has it', () => {
    expect(navigatorSeed({ connection: { downlink: 1.5 } })).toBe(1500);
    expect(navigatorSeed({ connection: {} })).toBeUndefined();
    expect(navigatorSeed({})).toBeUndefined();
    expect(navigatorSeed(undefined)).toBeUndefined();
    expect(navigatorSeed({ connection: { downlink: 0 } })).toBeUndefined();
  });
});
