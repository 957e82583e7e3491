// Keeps a browser fleet's tabs on the join page while the coordinator comes and goes. A tab
// whose page could not load (Chromium's error page), lost its session (no `flotillaJoin`) or
// whose session failed to start (its partition could not be fetched) is reloaded, each tab
// with its own exponential backoff and full jitter, until its page runs again. A running page
// needs nothing: its client reconnects by itself.

import type { Page } from 'playwright-core';
import { backoffDelay, type LinkOptions } from '../coordinatorLink.ts';
import type { FleetReporter } from '../report.ts';

export type TabHealth = 'running' | 'starting' | 'lost';

/** What the supervisor reads of a tab: its page's address and the join session's stage. */
export interface TabLook {
  /** Null when the tab has no page (closed, or its opening failed). */
  url: string | null;
  /** Null when the page holds no join session (an error page, a blank one). */
  stage: string | null;
  lastError?: string | null;
}

/** Reads a tab's page: where it is and, if it holds the join page, its session's stage. */
export async function lookAtPage(page: Page | null): Promise<TabLook> {
  if (!page || page.isClosed()) return { url: null, stage: null };
  try {
    const s = await page.evaluate(() => {
      const join = (window as unknown as { flotillaJoin?: { getSnapshot(): { stage: string; lastError: string | null } } }).flotillaJoin;
      return join ? { stage: join.getSnapshot().stage, lastError: join.getSnapshot().lastError } : null;
    });
    return { url: page.url(), stage: s?.stage ?? null, lastError: s?.lastError ?? null };
  } catch {
    // Mid-navigation, or a crashed renderer.
    return { url: page.url(), stage: null };
  }
}

export function tabHealth(look: TabLook): TabHealth {
  if (look.url === null || look.url.startsWith('chrome-error://') || look.stage === null || look.stage === 'error') return 'lost';
  return look.stage === 'starting' ? 'starting' : 'running';
}

/** A tab as the supervisor sees it; `down` marks a simulated dropout, which is left alone. */
export interface SupervisedTab {
  index: number;
  down: boolean;
}

interface Backoff {
  attempt: number;
  nextAt: number;
  reloading: boolean;
}

/**
 * @example const supervisor = new TabSupervisor({ look, reload, reporter }); setInterval(() => supervisor.check(tabs), 2000);
 */
export class TabSupervisor<T extends SupervisedTab> {
  private readonly backoff = new Map<number, Backoff>();
  reloads = 0;

  constructor(private readonly deps: {
    look(tab: T): Promise<TabLook>;
    /** Opens the join page again in the tab; may throw while the coordinator is away. */
    reload(tab: T): Promise<void>;
    reporter: FleetReporter;
    options?: Pick<LinkOptions, 'baseMs' | 'maxMs'>;
    now?: () => number;
    random?: () => number;
  }) {}

  /** One pass over the tabs: reloads each lost tab whose backoff has run out. */
  async check(tabs: readonly T[]): Promise<void> {
    await Promise.all(tabs.map((tab) => this.checkTab(tab)));
  }

  private async checkTab(tab: T): Promise<void> {
    const now = this.deps.now ?? Date.now;
    const state = this.backoff.get(tab.index) ?? { attempt: 0, nextAt: 0, reloading: false };
    this.backoff.set(tab.index, state);
    if (tab.down || state.reloading) return;
    const look = await this.deps.look(tab);
    if (tabHealth(look) !== 'lost') {
      if (tabHealth(look) === 'running') state.attempt = 0;
      return;
    }
    if (now() < state.nextAt) return;
    const delay = backoffDelay(state.attempt++, this.deps.options ?? { baseMs: 1000, maxMs: 15_000 }, this.deps.random);
    const why = look.url === null ? 'no page' : look.stage === null ? 'page not loaded' : `session failed: ${look.lastError ?? 'unknown error'}`;
    this.deps.reporter.warn(`tab ${tab.index} lost the coordinator (${why}): reloading (try ${state.attempt}), next try in ${(delay / 1000).toFixed(1)} s if still lost`);
    state.reloading = true;
    this.reloads++;
    try {
      await this.deps.reload(tab);
    } catch {
      // Still unreachable: a later pass tries again once the backoff has run out.
    } finally {
      state.nextAt = now() + delay;
      state.reloading = false;
    }
  }
}
