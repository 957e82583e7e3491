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
  sources: { simulation: number; files: number; drawn: number } | null;
  dataMode: 'simulation' | 'own';
  dataError: string | null;
  backend: { backend: string; examplesPerSec: number; probes: { backend: string; ok: boolean; examplesPerSec?: number; reason?: string }[] } | null;
  history: { round: number; outcome: string }[];
  /** This client's contribution standing (tasks with contribution assessment), null before the first valued round. */
  standing: { round: number; value: number; cumulative: number; rank: number; of: number; share: number; reward: number } | null;
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
  readonly csvInput: Locator;
  readonly folderInput: Locator;
  readonly filesCount: Locator;
  readonly drawCanvas: Locator;
  readonly drawLabel: Locator;
  readonly drawAdd: Locator;
  readonly drawCount: Locator;
  readonly drawClear: Locator;
  readonly data: Locator;
  readonly dataError: Locator;
  /** What one example of the task is, from the welcome (`data-kind`: image, tabular, text). */
  readonly schema: Locator;
  readonly labelCounts: Locator;
  readonly preview: Locator;
  /** One row per federated evaluation answered (`data-round`, `data-outcome`). */
  readonly evaluations: Locator;
  /** This client's contribution standing (`data-rank`, `data-of`, `data-round`, `data-cumulative`, `data-share`, `data-reward`). */
  readonly standing: Locator;

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
    this.csvInput = id('join.files.csv');
    this.folderInput = id('join.files.folder');
    this.filesCount = id('join.files.count');
    this.drawCanvas = id('join.draw.canvas');
    this.drawLabel = id('join.draw.label');
    this.drawAdd = id('join.draw.add');
    this.drawCount = id('join.draw.count');
    this.drawClear = id('join.draw.clear');
    this.data = id('join.data');
    this.dataError = id('join.data.error');
    this.schema = id('join.schema');
    this.labelCounts = id('join.data.labels');
    this.preview = id('join.data.preview');
    this.evaluations = id('join.evaluation');
    this.standing = id('join.standing');
  }

  /** The page as a person opens it: no partition, training on their own data. */
  async gotoOwn(url: string, query: Record<string, string> = {}): Promise<void> {
    await this.page.goto(`${url}/?${new URLSearchParams(query)}`);
  }

  /**
   * Draws a stroke through `points` (fractions of the canvas, 0–1) with the mouse, then keeps the
   * drawing under `label`.
   */
  async drawDigit(label: number, strokes: [number, number][][]): Promise<void> {
    // The mouse reaches only what is inside the viewport.
    await this.drawCanvas.scrollIntoViewIfNeeded();
    const box = (await this.drawCanvas.boundingBox())!;
    const at = ([x, y]: [number, number]) => [box.x + x * box.width, box.y + y * box.height] as const;
    for (const stroke of strokes) {
      await this.page.mouse.move(...at(stroke[0]!));
      await this.page.mouse.down();
      for (const p of stroke.slice(1)) await this.page.mouse.move(...at(p), { steps: 8 });
      await this.page.mouse.up();
    }
    await this.drawLabel.selectOption(String(label));
    await this.drawAdd.click();
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
