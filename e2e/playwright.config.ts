// Playwright Test against a real coordinator and real Chromium (Debian's /usr/bin/chromium, or
// the browser named by FLOTILLA_CHROMIUM). Run by `npm test` after the web app is built.

import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../apps/fleet/src/browser/chromium.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../test-results',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  // Two cores: specs run one after another, each with its own coordinator.
  workers: 1,
  fullyParallel: false,
  // No retries, on CI or off it: a flaky test is fixed, not retried, and every flake counts.
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never', outputFolder: '../playwright-report' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    // The browser fleet's browser and flags: headless as root, no GPU, no outside network.
    launchOptions: { executablePath: chromiumPath(null), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
