import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SampledLog } from './sampledLog.ts';

const recorder = () => {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, log: { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } };
};

describe('SampledLog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('logs the first refusals of a code from an address, then one summary line per interval', () => {
    const { lines, log } = recorder();
    const sampled = new SampledLog(log, { firstLogged: 3, intervalMs: 10_000, maxKeys: 100 });
    for (let i = 0; i < 3000; i++) sampled.refused('203.0.113.5', 'FLT_MALFORMED_JSON', {}, 'client message refused');

    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(10_000);
    expect(lines).toHaveLength(4);
    expect(lines[3]!.message).toBe('2997 more FLT_MALFORMED_JSON refused from 203.0.113.5 in the last 10 s');
    sampled.close();
  });

  it('keeps summarising while the refusals go on, and logs in full again after a quiet interval', () => {
    const { lines, log } = recorder();
    const sampled = new SampledLog(log, { firstLogged: 1, intervalMs: 10_000, maxKeys: 100 });
    sampled.refused('a', 'FLT_X', {}, 'refused');
    sampled.refused('a', 'FLT_X', {}, 'refused');
    vi.advanceTimersByTime(10_000);
    sampled.refused('a', 'FLT_X', {}, 'refused');
    vi.advanceTimersByTime(10_000);
    expect(lines.map((l) => l.message)).toEqual(['refused', '1 more FLT_X refused from a in the last 10 s', '1 more FLT_X refused from a in the last 10 s']);

    vi.advanceTimersByTime(10_000);
    sampled.refused('a', 'FLT_X', {}, 'refused');
    expect(lines.at(-1)!.message).toBe('refused');
    sampled.close();
  });

  it('samples each code and each address on its own', () => {
    const { lines, log } = recorder();
    const sampled = new SampledLog(log, { firstLogged: 1, intervalMs: 10_000, maxKeys: 100 });
    for (const address of ['a', 'b']) for (const code of ['FLT_X', 'FLT_Y']) for (let i = 0; i < 5; i++) sampled.refused(address, code, { clientId: 'c' }, 'refused');

    expect(lines).toHaveLength(4);
    expect(lines[0]!.fields).toEqual({ clientId: 'c', code: 'FLT_X', address: 'a' });
    sampled.close();
    expect(lines).toHaveLength(8);
  });

  it('samples what peers report the same way, with its own summary', () => {
    const { lines, log } = recorder();
    const sampled = new SampledLog(log, { firstLogged: 2, intervalMs: 10_000, maxKeys: 100 });
    for (let i = 0; i < 50; i++) sampled.noted('a', 'fit.failed', { round: i }, 'client reports a training failure');
    sampled.close();

    expect(lines.map((l) => l.message)).toEqual([
      'client reports a training failure', 'client reports a training failure', '48 more fit.failed from a in the last 10 s',
    ]);
  });

  it('tracks a bounded number of addresses: the rest share one entry', () => {
    const { lines, log } = recorder();
    const sampled = new SampledLog(log, { firstLogged: 1, intervalMs: 10_000, maxKeys: 10 });
    for (let i = 0; i < 10_000; i++) sampled.refused(`198.51.${i >> 8}.${i & 255}`, 'FLT_X', {}, 'refused');

    expect(lines).toHaveLength(11);
    sampled.close();
    expect(lines.at(-1)!.message).toBe('9989 more FLT_X refused from other addresses in the last 10 s');
  });
});
