// Does the fleet's device emulation reach where the work happens? CPU: CDP CPU throttling of the
// page, CDP throttling asked of the worker's own target, and the worker's idle fallback
// (`?slowdown=`), in examples/s. Network: the weights frame (fetched on the page) and the
// simulation partition (fetched in the worker) downloaded with and without the `3g` profile.
// `npm run bench -- browser-emulation` (after `npm run build:web`); writes bench/results/browser-emulation.json.

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCoordinator } from '@flotilla/coordinator';
import { CHROMIUM_ARGS, NETWORK_PROFILES, chromiumPath, emulateDevice } from '../apps/fleet/src/browser/chromium.ts';
import { api, writeResult } from './support.ts';

const RATE = 4;
type Join = { getSnapshot(): { backend: unknown; history: { round: number; examplesPerSec: number | null }[] }; benchmark(s: { kind: string }, e: number, b: number): Promise<{ examplesPerSec: number }> };

const ready = (page: Page) => page.waitForFunction(() => (window as unknown as { flotillaJoin: Join }).flotillaJoin.getSnapshot().backend !== null, null, { timeout: 120_000 });
const speed = async (page: Page) => Math.round((await page.evaluate(() => (window as unknown as { flotillaJoin: Join }).flotillaJoin.benchmark({ kind: 'mnist-2nn' }, 400, 10))).examplesPerSec);
const best = async (page: Page) => Math.max(await speed(page), await speed(page));

/** CDP throttling of the page and of the worker target, measured by the worker's training speed. */
async function cpuThrottling(browser: Browser, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}/?backend=wasm`);
  await ready(page);
  const baseline = await best(page);
  const pageCdp = await context.newCDPSession(page);
  await pageCdp.send('Emulation.setCPUThrottlingRate', { rate: RATE });
  const pageThrottled = await best(page);
  await pageCdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  // The worker's own DevTools target, reached through the browser session.
  const browserCdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await browserCdp.send('Target.getTargets') as { targetInfos: { targetId: string; type: string; title: string }[] };
  const worker = targetInfos.find((t) => t.type === 'worker' && t.title === 'flotilla-trainer');
  let workerReply = 'no worker target found';
  if (worker) {
    const { sessionId } = await browserCdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false }) as { sessionId: string };
    const reply = new Promise<string>((r) => browserCdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
      const m = JSON.parse(e.message) as { id?: number; error?: { message: string } };
      if (m.id === 1) r(m.error ? `error: ${m.error.message}` : 'accepted');
    }));
    await browserCdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Emulation.setCPUThrottlingRate', params: { rate: RATE } }) });
    workerReply = await Promise.race([reply, new Promise<string>((r) => setTimeout(() => r('no reply'), 5000))]);
  }
  const workerThrottled = await best(page);
  await context.close();
  return { rate: RATE, baselineExamplesPerSec: baseline, pageSessionThrottledExamplesPerSec: pageThrottled, workerTargetReply: workerReply, workerSessionThrottledExamplesPerSec: workerThrottled };
}

/** The fallback: two tabs train one round, one of them with `?slowdown=RATE`; their speeds compared. */
async function idleFallback(browser: Browser, url: string, token: string) {
  const { id } = await api<{ id: string }>(url, token, '/api/tasks?start=true', {
    name: 'bench: slowdown', model: { kind: 'mnist-2nn' },
    data: { partition: { kind: 'iid', numClients: 2, seed: 1, examplesPerClient: 500 }, testLimit: 500, simulation: true },
    fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2, epochs: 1, batchSize: 10, learningRate: 0.1 },
    stop: { maxRounds: 1, roundDeadlineMs: 300_000, minReports: 2 }, baseline: { enabled: false },
  });
  const pages: Page[] = [];
  for (const slowdown of [1, RATE]) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/?task=${id}&partition=${pages.length}&backend=wasm&slowdown=${slowdown}`);
    pages.push(page);
  }
  for (;;) {
    if ((await api<{ state: string }>(url, token, `/api/tasks/${id}`)).state !== 'running') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const [normal, slow] = await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { flotillaJoin: Join }).flotillaJoin.getSnapshot().history.find((h) => h.round === 1)?.examplesPerSec ?? null)));
  await Promise.all(pages.map((p) => p.context().close()));
  return { slowdown: RATE, normalExamplesPerSec: normal, slowedExamplesPerSec: slow, ratio: normal && slow ? Number((normal / slow).toFixed(2)) : null };
}

/** Download time of the 2NN weights frame (page) and of a partition (worker), with and without 3g. */
async function network(browser: Browser, url: string, token: string) {
  const { id } = await api<{ id: string }>(url, token, '/api/tasks', {
    name: 'bench: network', model: { kind: 'mnist-2nn' },
    data: { partition: { kind: 'iid', numClients: 2, seed: 1, examplesPerClient: 100 }, testLimit: 500, simulation: true }, baseline: { enabled: false },
  });
  const weightsUrl = `${url}/api/tasks/${id}/models/0/weights.frame`;
  const partitionUrl = `${url}/api/simulation/tasks/${id}/partitions/0`;
  const rows = [];
  for (const profile of [null, NETWORK_PROFILES['3g']!]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await emulateDevice(page, 1, profile);
    await page.goto(`${url}/?backend=cpu`);
    await ready(page);
    const onPage = await page.evaluate(async (u) => {
      const t = performance.now();
      const r = await fetch(u, { cache: 'no-store' });
      const bytes = (await r.arrayBuffer()).byteLength;
      return { bytes, ms: Math.round(performance.now() - t) };
    }, weightsUrl);
    const worker = page.workers()[0]!;
    const inWorker = await worker.evaluate(async (u) => {
      const t = performance.now();
      const r = await fetch(u, { cache: 'no-store' });
      const bytes = (await r.arrayBuffer()).byteLength;
      return { bytes, ms: Math.round(performance.now() - t) };
    }, partitionUrl);
    rows.push({ profile: profile?.name ?? 'none', weightsOnPage: onPage, partitionInWorker: inWorker });
    await context.close();
  }
  return rows;
}

/** Runs the three measurements and writes bench/results/browser-emulation.json. */
export async function runBrowserEmulationBench(): Promise<void> {
  const token = randomBytes(24).toString('hex');
  const started = await startCoordinator({
    host: '127.0.0.1', port: 0, dataDir: mkdtempSync(join(tmpdir(), 'flotilla-bench-emulation-')), logLevel: 'warn', defaultTask: false, maxFrameBytes: 16 * 1024 * 1024, operatorToken: token,
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(null), args: CHROMIUM_ARGS });
  try {
    process.stdout.write(`browser emulation (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}; timings are noisy on a shared machine)\n`);
    const cpu = await cpuThrottling(browser, started.url);
    process.stdout.write(`  CPU ${RATE}×, 2NN examples/s in the worker: none ${cpu.baselineExamplesPerSec}, page session ${cpu.pageSessionThrottledExamplesPerSec}, worker target ${cpu.workerSessionThrottledExamplesPerSec} (CDP: ${cpu.workerTargetReply})\n`);
    const fallback = await idleFallback(browser, started.url, token);
    process.stdout.write(`  idle fallback ?slowdown=${RATE}: ${fallback.normalExamplesPerSec} → ${fallback.slowedExamplesPerSec} examples/s in a round (${fallback.ratio}× slower)\n`);
    const net = await network(browser, started.url, token);
    for (const r of net) process.stdout.write(`  network ${r.profile.padEnd(4)}: weights frame ${r.weightsOnPage.bytes} B on the page in ${r.weightsOnPage.ms} ms; partition ${r.partitionInWorker.bytes} B in the worker in ${r.partitionInWorker.ms} ms\n`);
    const out = { when: new Date().toISOString(), cores: cpus().length, loadAverage: loadavg()[0], chromium: browser.version(), cpu, fallback, network: net };
    process.stdout.write(`written to ${await writeResult('browser-emulation', out)}\n`);
  } finally {
    await browser.close();
    await started.app.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await runBrowserEmulationBench();
