// A fleet of Chromium tabs: one browser context (own storage, own client identity) per client,
// each opening the join page on its own partition. Some tabs get a throttled CPU or a slow
// network; with --dropout, selected tabs close or go offline mid-round, and come back.

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { followEventStream, type StreamEvent } from '../eventStream.ts';
import type { CoordinatorLink } from '../coordinatorLink.ts';
import type { NodeFleetRun } from '../nodeFleet.ts';
import { toRoundLine } from '../nodeFleet.ts';
import { formatRoundLine, type FleetReporter } from '../report.ts';
import { CHROMIUM_ARGS, WEBGPU_ARGS, chromiumPath, emulateDevice, type NetworkProfile } from './chromium.ts';
import { TabSupervisor, lookAtPage } from './tabSupervisor.ts';

export interface BrowserFleetOptions {
  url: string;
  taskId: string;
  clients: number;
  /** Probability that a tab selected for a round drops out during it (closes or goes offline). */
  dropout: number;
  /** Fraction of tabs whose CPU is throttled by `cpuThrottle`. */
  slow: number;
  cpuThrottle: number;
  network: NetworkProfile | null;
  /** Force a backend in every tab (`?backend=`); null lets each tab's ladder choose. */
  backend: string | null;
  chromium: string | null;
  headed: boolean;
  /** Offer WebGPU to the tabs, whose ladders then measure it. */
  webgpu: boolean;
  seed: number;
  /** Operator token for the event stream (sent as access_token, which the coordinator redacts). */
  token: string | null;
  /** The coordinator's client join token, handed to each tab in its URL; null when not needed. */
  joinToken: string | null;
  reporter: FleetReporter;
  /** Paces the event stream's reconnects while the coordinator is away. */
  link: CoordinatorLink;
  /** Tabs (partition indices) that open the page with `?attack=` (its NAME[:VALUE] form); null for an honest fleet. */
  byzantine?: { text: string; clients: number[] } | null;
  /** `--duplicate K`: tab K loads partition 0's examples (`?dataPartition=0`); null or absent: none. */
  duplicate?: number | null;
}

/** Speed of the tabs on one backend: the ladder's benchmark and the measured local training. */
export interface BackendSpeed {
  tabs: number;
  slowTabs: number;
  benchmarkExamplesPerSec: number;
  trainingExamplesPerSec: number | null;
  /** The same for the CPU-throttled tabs alone (CDP throttles the page's renderer). */
  throttledTrainingExamplesPerSec: number | null;
}

export interface BrowserFleetRun extends NodeFleetRun {
  browser: { tabs: number; slowTabs: number; cpuThrottle: number; network: string | null; backends: Record<string, BackendSpeed> };
}

interface Tab {
  index: number;
  context: BrowserContext;
  page: Page | null;
  slow: boolean;
  down: boolean;
  /** Its page is being opened: not yet the supervisor's to judge. */
  opening: boolean;
}

interface TabSnapshot {
  connection: string;
  backend: { backend: string; examplesPerSec: number } | null;
  history: { examplesPerSec: number | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

async function snapshot(tab: Tab): Promise<TabSnapshot | null> {
  try {
    return await tab.page?.evaluate(() => (window as unknown as { flotillaJoin?: { getSnapshot(): TabSnapshot } }).flotillaJoin?.getSnapshot() ?? null) ?? null;
  } catch {
    return null;
  }
}

/** Runs the tabs until the task completes, stops or fails (or the signal aborts). */
export async function runBrowserFleet(options: BrowserFleetOptions, signal: AbortSignal): Promise<BrowserFleetRun> {
  let rng = (options.seed ^ 0x9e3779b9) >>> 0;
  const random = () => ((rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const browser: Browser = await chromium.launch({ executablePath: chromiumPath(options.chromium), args: options.webgpu ? [...CHROMIUM_ARGS, ...WEBGPU_ARGS] : CHROMIUM_ARGS, headless: !options.headed });
  const query = (tab: Tab) => new URLSearchParams({
    task: options.taskId, partition: String(tab.index), ...(options.backend ? { backend: options.backend } : {}),
    ...(options.joinToken ? { joinToken: options.joinToken } : {}), ...(tab.slow ? { slowdown: String(options.cpuThrottle) } : {}),
    ...(options.byzantine?.clients.includes(tab.index) ? { attack: options.byzantine.text } : {}),
    ...(tab.index === options.duplicate ? { dataPartition: '0' } : {}),
  });
  const openPage = async (tab: Tab) => {
    tab.opening = true;
    try {
      const page = await tab.context.newPage();
      await emulateDevice(page, tab.slow ? options.cpuThrottle : 1, options.network);
      tab.page = page;
      // With the coordinator away the tab shows Chromium's error page: the supervisor reloads it.
      await page.goto(`${options.url}/?${query(tab)}`).catch(() => {});
    } finally {
      tab.opening = false;
    }
  };
  const supervisor = new TabSupervisor<Tab>({
    look: (tab) => lookAtPage(tab.page),
    reload: async (tab) => {
      await tab.page?.goto(`${options.url}/?${query(tab)}`, { timeout: 30_000 });
    },
    reporter: options.reporter,
  });

  const tabs: Tab[] = [];
  let dropoutsInjected = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later = (ms: number, fn: () => Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn().catch((err) => options.reporter.warn(`tab action failed: ${err instanceof Error ? err.message : String(err)}`));
    }, ms);
    timers.add(t);
  };

  try {
    // Simulated device loss: a tab closes (and reopens a few seconds later, same storage, so the
    // same client) or loses its network for a while, at a random moment of a round.
    const injectDropouts = (round: number) => {
      for (const tab of tabs) {
        if (tab.down || random() >= options.dropout) continue;
        tab.down = true;
        const close = random() < 0.5;
        later(300 + random() * 3000, async () => {
          // Only a tab that trains in this round can drop out of it.
          if ((await snapshot(tab))?.connection !== 'training') {
            tab.down = false;
            return;
          }
          dropoutsInjected++;
          if (close) {
            await tab.page?.close();
            tab.page = null;
            options.reporter.info(`round ${round}: tab ${tab.index} closed`);
            later(2000 + random() * 4000, async () => {
              await openPage(tab);
              tab.down = false;
            });
          } else {
            await tab.context.setOffline(true);
            options.reporter.info(`round ${round}: tab ${tab.index} went offline`);
            later(3000 + random() * 5000, async () => {
              await tab.context.setOffline(false);
              tab.down = false;
            });
          }
        });
      }
    };

    const watch = new AbortController();
    signal.addEventListener('abort', () => watch.abort());
    let finalState = 'running';
    let stopReason: string | null = null;
    // Tabs still opening are not the supervisor's.
    let supervising = false;
    const supervise = setInterval(() => {
      if (supervising) return;
      supervising = true;
      void supervisor.check(tabs.filter((t) => !t.opening && t.page !== null)).finally(() => (supervising = false));
    }, 3_000);
    const status = setInterval(() => {
      void Promise.all(tabs.map(snapshot)).then((snaps) => {
        const counts = new Map<string, number>();
        for (const s of snaps) counts.set(s?.connection ?? 'closed', (counts.get(s?.connection ?? 'closed') ?? 0) + 1);
        options.reporter.info(`tabs: ${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')}`);
      });
    }, 15_000);
    const onEvent = (e: StreamEvent) => {
      if (e.event === 'round.started' && options.dropout > 0) injectDropouts(Number(e.data.round));
      else if (e.event === 'round.committed' || e.event === 'round.abandoned' || e.event === 'round.evaluated') options.reporter.round(formatRoundLine(toRoundLine(e.data)));
      else if (e.event === 'task.state' && ['completed', 'stopped', 'failed'].includes(String(e.data.state))) {
        finalState = String(e.data.state);
        stopReason = (e.data.reason as string | null) ?? null;
        watch.abort();
      }
    };
    const auth = options.token ? `&access_token=${encodeURIComponent(options.token)}` : '';
    // Watched from before the first tab opens: rounds start as soon as enough tabs have joined.
    const watching = followEventStream(`${options.url}/api/events?taskId=${options.taskId}&ephemeral=false${auth}`, onEvent, options.link, watch.signal);
    // Awaited below, after the tabs open; a refusal meanwhile must not count as unhandled.
    watching.catch(() => {});
    // Tabs arrive two at a time: sixteen backend ladders benchmarking at once on two cores
    // starve each other (none had finished after 75 s) and measure nothing useful.
    for (let i = 0; i < options.clients && !watch.signal.aborted; i += 2) {
      const batch: Tab[] = [];
      for (let j = i; j < Math.min(i + 2, options.clients); j++) {
        const tab: Tab = { index: j, context: await browser.newContext(), page: null, slow: random() < options.slow, down: false, opening: false };
        tabs.push(tab);
        batch.push(tab);
        await openPage(tab);
      }
      await Promise.all(batch.map((tab) => tab.page!.waitForFunction(
        () => (window as unknown as { flotillaJoin?: { getSnapshot(): { stage: string } } }).flotillaJoin?.getSnapshot().stage !== 'starting', null, { timeout: 120_000 },
      ).catch(() => options.reporter.warn(`tab ${tab.index} had not started after 120 s`))));
    }
    const slowTabs = tabs.filter((t) => t.slow).length;
    options.reporter.info(
      `${tabs.length} Chromium tabs joined (${slowTabs} simulating a ${options.cpuThrottle}× slower device` +
      `${options.network ? `, network ${options.network.name}` : ''}${options.backend ? `, backend forced to ${options.backend}` : ''})`,
    );
    try {
      await watching;
    } finally {
      clearInterval(status);
      clearInterval(supervise);
    }

    const backends: Record<string, Omit<BackendSpeed, 'throttledTrainingExamplesPerSec'> & { bench: number[]; trained: number[]; throttled: number[] }> = {};
    for (const tab of tabs) {
      const snap = await snapshot(tab);
      if (!snap?.backend) continue;
      const b = (backends[snap.backend.backend] ??= { tabs: 0, slowTabs: 0, benchmarkExamplesPerSec: 0, trainingExamplesPerSec: null, bench: [], trained: [], throttled: [] });
      b.tabs++;
      if (tab.slow) b.slowTabs++;
      b.bench.push(snap.backend.examplesPerSec);
      for (const h of snap.history) if (h.examplesPerSec !== null) (tab.slow ? b.throttled : b.trained).push(h.examplesPerSec);
    }
    const speeds: Record<string, BackendSpeed> = {};
    const round = (v: number | null) => (v === null ? null : Math.round(v));
    for (const [name, { bench, trained, throttled, ...rest }] of Object.entries(backends)) {
      const speed = { ...rest, benchmarkExamplesPerSec: Math.round(mean(bench) ?? 0), trainingExamplesPerSec: round(mean(trained)), throttledTrainingExamplesPerSec: round(mean(throttled)) };
      speeds[name] = speed;
      options.reporter.info(
        `${name}: ${rest.tabs} tabs (${rest.slowTabs} throttled), benchmark ${speed.benchmarkExamplesPerSec} examples/s, ` +
        `training ${speed.trainingExamplesPerSec ?? '—'} examples/s per tab (throttled tabs ${speed.throttledTrainingExamplesPerSec ?? '—'})`,
      );
    }
    const main = Object.entries(speeds).sort((a, b) => b[1].tabs - a[1].tabs)[0]?.[0] ?? 'unknown';
    return {
      backend: main, dropoutsInjected, stopReason, finalState,
      browser: { tabs: tabs.length, slowTabs, cpuThrottle: options.cpuThrottle, network: options.network?.name ?? null, backends: speeds },
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    await browser.close();
  }
}
