// Fixtures of the dashboard specs: a real coordinator per spec file (child process, its own data
// directory and port, a known operator token) and the dashboard page object.

import { test as base } from '@playwright/test';
import { DashboardPage } from './DashboardPage.ts';
import { freePort, startCoordinator, tempDir, type CoordinatorProcess } from './support/processes.ts';

export const OPERATOR_TOKEN = 'e2e-operator-token-4f1c9a';

export interface CoordinatorFixture {
  url: string;
  token: string;
  dataDir: string;
  port: number;
  process: CoordinatorProcess;
  /** Stops the coordinator and starts it again on the same port and data directory. */
  restart(): Promise<void>;
}

export const test = base.extend<{ dashboard: DashboardPage }, { coordinator: CoordinatorFixture }>({
  coordinator: [async ({}, use) => {
    const dataDir = tempDir('flotilla-e2e-dashboard-');
    const port = await freePort();
    const fixture: CoordinatorFixture = {
      url: '', token: OPERATOR_TOKEN, dataDir, port,
      process: await startCoordinator({ port, dataDir, operatorToken: OPERATOR_TOKEN }),
      async restart() {
        await this.process.stop();
        this.process = await startCoordinator({ port, dataDir, operatorToken: OPERATOR_TOKEN });
      },
    };
    fixture.url = fixture.process.url;
    await use(fixture);
    await fixture.process.stop();
  }, { scope: 'worker' }],
  dashboard: async ({ page, coordinator }, use) => {
    await use(new DashboardPage(page, coordinator.url));
  },
});

/**
 * The same fixtures with a coordinator of the test's own, for specs whose clients and tasks must
 * not show up in the tables of the specs that share the worker's coordinator.
 * @example isolatedTest('ε on screen', async ({ dashboard, coordinator }) => { … });
 */
export const isolatedTest = base.extend<{ dashboard: DashboardPage; coordinator: Omit<CoordinatorFixture, 'restart'> }>({
  coordinator: async ({}, use) => {
    const dataDir = tempDir('flotilla-e2e-dashboard-');
    const port = await freePort();
    const process = await startCoordinator({ port, dataDir, operatorToken: OPERATOR_TOKEN });
    await use({ url: process.url, token: OPERATOR_TOKEN, dataDir, port, process });
    await process.stop();
  },
  dashboard: async ({ page, coordinator }, use) => {
    await use(new DashboardPage(page, coordinator.url));
  },
});

export { expect } from '@playwright/test';
