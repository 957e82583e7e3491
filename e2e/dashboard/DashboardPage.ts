// Page object of the operator dashboard: locators by namespaced data-testid and the few
// operations the specs need (open with a token, create a task, press a control, read numbers).

import { expect, type Locator, type Page } from '@playwright/test';

export class DashboardPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}

  id(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  /** Opens /dashboard, with the token in the URL fragment like the coordinator prints it. */
  async open(token?: string): Promise<void> {
    await this.page.goto(`${this.baseUrl}/dashboard${token === undefined ? '' : `#token=${encodeURIComponent(token)}`}`);
  }

  get feed(): Locator { return this.id('dashboard.feed.status'); }
  get authError(): Locator { return this.id('dashboard.auth.error'); }
  get taskState(): Locator { return this.id('dashboard.task.state'); }

  async expectLive(): Promise<void> {
    await expect(this.feed).toHaveText('live');
  }

  /** A vertical job's block in the vertical jobs panel. */
  verticalJob(jobId: string): Locator {
    return this.page.locator(`[data-testid="dashboard.vertical.job"][data-job-id="${jobId}"]`);
  }

  task(taskId: string): Locator {
    return this.page.locator(`[data-testid="dashboard.tasks.item"][data-task-id="${taskId}"]`);
  }

  async selectTask(taskId: string): Promise<void> {
    await this.task(taskId).click();
    await expect(this.id('dashboard.task')).toHaveAttribute('data-task-id', taskId);
  }

  async control(action: 'start' | 'pause' | 'resume' | 'stop'): Promise<void> {
    await this.id(`dashboard.control.${action}`).click();
  }

  async createTask(fields: Partial<Record<'name' | 'clients' | 'rounds' | 'fraction' | 'epochs' | 'batch' | 'lr' | 'deadline' | 'minReports' | 'target', string>> & { strategy?: string; start?: boolean; baseline?: boolean }): Promise<string> {
    for (const [key, value] of Object.entries(fields)) {
      if (typeof value === 'string' && key !== 'strategy') await this.id(`dashboard.create.${key}`).fill(value);
    }
    if (fields.strategy) await this.id('dashboard.create.strategy').selectOption(fields.strategy);
    if (fields.start !== undefined) await this.id('dashboard.create.start').setChecked(fields.start);
    if (fields.baseline !== undefined) await this.id('dashboard.create.baseline').setChecked(fields.baseline);
    await this.id('dashboard.create.submit').click();
    await expect(this.id('dashboard.create.message')).toHaveText(/^created /);
    return (await this.id('dashboard.task').getAttribute('data-task-id'))!;
  }

  async chartPoints(chart: 'accuracy' | 'loss' | 'dropout' | 'bytes' | 'duration' | 'epsilon'): Promise<number> {
    return Number(await this.id(`dashboard.chart.${chart}`).getAttribute('data-points'));
  }

  async text(testId: string): Promise<string> {
    return (await this.id(testId).innerText()).trim();
  }
}
