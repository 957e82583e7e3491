// Page object of the join page: locators by `join.*` data-testid, and the page's own state read
// through window.flotillaJoin (the same snapshot React renders).

import type { BrowserContext, Locator, Page } from '@playwright/test';

export interface JoinSnapshot {
  stage: string;
  connection: string;
  clientId: string | null;
  round: number | null;
  phase: string;
  examples: number | null;
  backend: { backend: string; examplesPerSec: number; probes: { backend: string; ok: boolean; examplesPerSec?: number; reason?: string }[] } | null;
  history: { round: number; outcome: string }[];
  lastError: string | null;
  reconnects: number;
}

export class JoinPageObject {
  readonly explainer: Locator;
  readonly connection: Locator;
  readonly clientId: Locator;
  readonly backend: Locator;
  readonly roundNumber: Locator;
  readonly roundPhase: Locator;
  /** The last secure-aggregation stage of the round (data-stage), shown only in secure rounds. */
  readonly secagg: Locator;
  readonly progress: Locator;
  readonly historyRows: Locator;
  readonly pause: Locator;
  readonly resume: Locator;
  readonly leave: Locator;

  constructor(readonly page: Page, readonly context: BrowserContext) {
    const id = (testId: string) => page.getByTestId(testId);
    this.explainer = id('join.explainer');
    this.connection = id('join.connection');
    this.clientId = id('join.client-id');
    this.backend = id('join.backend');
    this.roundNumber = id('join.round.number');
    this.roundPhase = id('join.round.phase');
    this.secagg = id('join.round.secagg');
    this.progress = id('join.progress');
    this.historyRows = id('join.history.row');
    this.pause = id('join.pause');
    this.resume = id('join.resume');
    this.leave = id('join.leave');
  }

  async goto(url: string, taskId: string, partition: number, query: Record<string, string> = {}): Promise<void> {
    const q = new URLSearchParams({ task: taskId, partition: String(partition), ...query });
    await this.page.goto(`${url}/?${q}`);
  }

  snapshot(): Promise<JoinSnapshot> {
    return this.page.evaluate(() => (window as unknown as { flotillaJoin: { getSnapshot(): JoinSnapshot } }).flotillaJoin.getSnapshot());
  }

  /** Collects main-thread long tasks (> 50 ms) from now on, in the page itself. */
  async watchLongTasks(): Promise<void> {
    await this.page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
  }

  longTasks(): Promise<number[]> {
    return this.page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  }
}
