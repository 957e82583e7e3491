// A browser fleet's tab that lost the coordinator keeps trying, with backoff, until its page runs
// again; running tabs, starting tabs and tabs in a simulated dropout are left alone.

import { describe, expect, it } from 'vitest';
import type { FleetReporter } from '../report.ts';
import { TabSupervisor, tabHealth, type TabLook } from './tabSupervisor.ts';

const JOIN = 'http://127.0.0.1:8080/?task=t&partition=0';

function recorder(): FleetReporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (t) => lines.push(t), warn: (t) => lines.push(t), round: (t) => lines.push(t), baseline: () => {} };
}

describe('tabHealth', () => {
  it('calls a tab lost when its page did not load, holds no session or its session failed', () => {
    expect(tabHealth({ url: 'chrome-error://chromewebdata/', stage: null })).toBe('lost');
    expect(tabHealth({ url: null, stage: null })).toBe('lost');
    expect(tabHealth({ url: JOIN, stage: null })).toBe('lost');
    expect(tabHealth({ url: JOIN, stage: 'error', lastError: 'fetch failed' })).toBe('lost');
    expect(tabHealth({ url: JOIN, stage: 'starting' })).toBe('starting');
    expect(tabHealth({ url: JOIN, stage: 'ready' })).toBe('running');
    expect(tabHealth({ url: JOIN, stage: 'paused' })).toBe('running');
  });
});

describe('TabSupervisor', () => {
  it('reloads a lost tab with growing waits while the coordinator is away, and stops once the page runs', async () => {
    // Arrange: the coordinator is down until t = 20 s; a reload before then lands on the error page.
    let now = 0;
    let coordinatorUp = false;
    const tab = { index: 3, down: false, look: { url: 'chrome-error://chromewebdata/', stage: null } as TabLook };
    const reloadsAt: number[] = [];
    const reporter = recorder();
    const supervisor = new TabSupervisor<typeof tab>({
      look: async (t) => t.look,
      reload: async (t) => {
        reloadsAt.push(now);
        if (!coordinatorUp) {
          t.look = { url: 'chrome-error://chromewebdata/', stage: null };
          throw new Error('net::ERR_CONNECTION_REFUSED');
        }
        t.look = { url: JOIN, stage: 'ready' };
      },
      reporter, options: { baseMs: 1000, maxMs: 8000 }, now: () => now, random: () => 1,
    });

    // Act: a check every second for 40 s, the coordinator back at 20 s.
    for (; now <= 40_000; now += 1000) {
      if (now === 20_000) coordinatorUp = true;
      await supervisor.check([tab]);
    }

    // Assert: waits of 1, 2, 4, 8, 8 s (capped), then the first reload after the restart succeeds.
    expect(reloadsAt).toEqual([0, 1000, 3000, 7000, 15_000, 23_000]);
    expect(tab.look.stage).toBe('ready');
    expect(reporter.lines[0]).toMatch(/^tab 3 lost the coordinator \(page not loaded\): reloading \(try 1\), next try in 1\.0 s/);
    expect(reporter.lines).toHaveLength(6);
  });

  it('leaves running tabs, starting tabs and simulated dropouts alone', async () => {
    const tabs = [
      { index: 0, down: false, look: { url: JOIN, stage: 'ready' } as TabLook },
      { index: 1, down: false, look: { url: JOIN, stage: 'starting' } as TabLook },
      { index: 2, down: true, look: { url: null, stage: null } as TabLook },
    ];
    const reloaded: number[] = [];
    const supervisor = new TabSupervisor<(typeof tabs)[number]>({
      look: async (t) => t.look, reload: async (t) => void reloaded.push(t.index), reporter: recorder(),
    });
    await supervisor.check(tabs);
    expect(reloaded).toEqual([]);
  });

  it('reloads a tab whose session failed to start (its partition could not be fetched) once the backoff allows', async () => {
    let now = 0;
    const tab = { index: 7, down: false, look: { url: JOIN, stage: 'error', lastError: 'partition: fetch failed' } as TabLook };
    const reporter = recorder();
    const supervisor = new TabSupervisor<typeof tab>({
      look: async (t) => t.look,
      reload: async (t) => void (t.look = { url: JOIN, stage: 'starting' }),
      reporter, now: () => now, random: () => 0.5,
    });
    await supervisor.check([tab]);
    now += 100;
    await supervisor.check([tab]);
    expect(tab.look.stage).toBe('starting');
    expect(reporter.lines).toEqual([expect.stringMatching(/^tab 7 lost the coordinator \(session failed: partition: fetch failed\)/)]);
  });
});
