// Tests for SpeedEstimates: the hello's claim as a prior, observations replacing it, smoothing, and
// a client that lies about its speed held to what it delivers.
import { describe, expect, it } from 'vitest';
import { SpeedEstimates } from './speedEstimates.ts';

describe('SpeedEstimates', () => {
  it('uses the hello claim until a round is observed, then what the round showed', () => {
    const speeds = new SpeedEstimates();
    expect(speeds.estimate('c', 500)).toEqual({ examplesPerSec: 500, overheadMs: 0, observed: false });
    speeds.observe('c', { examplesTrained: 600, trainMs: 2000, wallMs: 2500 });
    expect(speeds.estimate('c', 500)).toEqual({ examplesPerSec: 300, overheadMs: 500, observed: true });
  });

  it('has no estimate for a client that claimed nothing and finished nothing', () => {
    expect(new SpeedEstimates().estimate('c')).toBeUndefined();
  });

  it('smooths successive rounds half and half', () => {
    const speeds = new SpeedEstimates();
    speeds.observe('c', { examplesTrained: 100, trainMs: 1000, wallMs: 1000 });
    speeds.observe('c', { examplesTrained: 300, trainMs: 1000, wallMs: 1000 });
    expect(speeds.estimate('c')!.examplesPerSec).toBe(200);
  });

  it('holds a client claiming a huge speed to twice what it delivered in the measured round trip', () => {
    // Arrange: it claims 10⁶ examples/s at hello and 1 ms of training, but the round took 4 s
    const speeds = new SpeedEstimates();
    // Act
    speeds.observe('liar', { examplesTrained: 400, trainMs: 1, wallMs: 4000 });
    // Assert: 400 examples in ≥ 2 s → at most 200/s
    expect(speeds.estimate('liar', 1e6)!.examplesPerSec).toBe(200);
  });

  it('never credits more training time than the round trip took', () => {
    const speeds = new SpeedEstimates();
    speeds.observe('c', { examplesTrained: 100, trainMs: 9000, wallMs: 1000 });
    expect(speeds.estimate('c')).toEqual({ examplesPerSec: 100, overheadMs: 0, observed: true });
  });

  it('lowers the estimate of a client that missed a deadline to the speed that would have fit', () => {
    const speeds = new SpeedEstimates();
    speeds.slowerThan('unmeasured', 40);
    speeds.observe('fast', { examplesTrained: 1000, trainMs: 1000, wallMs: 1000 });
    speeds.slowerThan('fast', 250);
    speeds.slowerThan('fast', 900);
    expect(speeds.estimate('unmeasured', 1e6)).toEqual({ examplesPerSec: 40, overheadMs: 0, observed: true });
    expect(speeds.estimate('fast')!.examplesPerSec).toBe(250);
  });
});
