// Page object of the vertical party page (/vertical): join a job as a role, read status and results.

import { expect, type Locator, type Page } from '@playwright/test';

export class VerticalPartyPage {
  constructor(readonly page: Page, readonly baseUrl: string) {}

  id(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/vertical`);
  }

  /** Joins as `role`; with `csv`, the party's own table from that file instead of the job's simulated one. */
  async join(job: string, role: 'guest' | 'host' | 'arbiter', token: string, csv?: string): Promise<void> {
    await this.id('vertical.job').fill(job);
    await this.id(`vertical.role.${role}`).check();
    if (csv) {
      await this.id('vertical.data.csv').check();
      await this.id('vertical.csv.file').setInputFiles(csv);
    }
    await this.id('vertical.token').fill(token);
    await this.id('vertical.join').click();
    await expect(this.id('vertical.status')).toBeVisible();
  }

  get phase(): Locator { return this.id('vertical.phase'); }
  get intersection(): Locator { return this.id('vertical.intersection'); }
  get epochs(): Locator { return this.id('vertical.epoch'); }
  get progress(): Locator { return this.id('vertical.progress'); }
  get backend(): Locator { return this.id('vertical.backend'); }
  get paillierWorkers(): Locator { return this.id('vertical.paillier.workers'); }
  get tableRows(): Locator { return this.id('vertical.table.rows'); }
  get tableFeatures(): Locator { return this.id('vertical.table.features'); }
  get tableClasses(): Locator { return this.id('vertical.table.classes'); }
}
