// Browser clients measured in real Chromium against a real coordinator: training examples/s per
// backend × model inside the join page's worker, round wall time for 4, 8 and 16 tabs, and memory
// per tab. `npx tsx bench/browser.ts` (after `npm run build:web`); writes bench/results/browser.json.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCoordinator } from '@flotilla/coordinator';
import { api, writeResult } from './support.ts';

const CHROMIUM = process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--enable-unsafe-webgpu', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'];

interface SpeedRow { backend: string; model: string; active: string | null; examplesPerSec: number | null; note?: string }
interface RoundRow { tabs: number; roundWallSeconds: number[]; meanRoundSeconds: number; examplesPerRound: number; memoryPerTabMB: number; rendererMBPerTab: number }

type Snapshot = { backend: { backend: string; probes: { backend: string; ok: boolean; reason?: string }[] } | null };
const snap = (page: Page) => page.evaluate(() => (window as unknown as { flotillaJoin: { getSnapshot(): Snapshot } }).flotillaJoin.getSnapshot());

// Proportional set size (PSS: shared pages split between the processes sharing them, so the sum
// is not inflated as RSS would be) of every process descending from this one (Chromium's browser,
// GPU, utility and renderer processes), and of the renderers alone, in MB.
function chromiumMemory(): { totalMB: number; renderersMB: number } {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return {
        pid: Number(pid), ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1]),
        rssKB: Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0),
        renderer: readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer'),
      };
    } catch {
      return null;
    }
  }).filter((p) => p !== null);
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) (mine.add(p.pid), (grew = true));
  }
  mine.delete(process.pid);
  const ours = procs.filter((p) => mine.has(p.pid));
  const mb = (xs: typeof ours) => xs.reduce((n, p) => n + p.rssKB, 0) / 1024;
  return { totalMB: mb(ours), renderersMB: mb(ours.filter((p) => p.renderer)) };
}

async function backendSpeeds(browser: Browser, url: string): Promise<SpeedRow[]> {
  const rows: SpeedRow[] = [];
  for (const backend of ['webgpu', 'webgl', 'wasm', 'cpu']) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/?backend=${backend}`);
    await page.waitForFunction(() => (window as unknown as { flotillaJoin: { getSnapshot(): Snapshot } }).flotillaJoin.getSnapshot().backend !== null, null, { timeout: 120_000 });
    const choice = (await snap(page)).backend!;
    for (const model of ['mnist-2nn', 'mnist-cnn'] as const) {
      if (choice.backend !== backend) {
        const reason = choice.probes.find((p) => p.backend === backend)?.reason ?? 'not chosen';
        rows.push({ backend, model, active: choice.backend, examplesPerSec: null, note: `unavailable: ${reason}` });
        continue;
      }
      if (backend === 'cpu' && model === 'mnist-cnn') {
        rows.push({ backend, model, active: backend, examplesPerSec: null, note: "skipped: tfjs's CPU Conv2DBackpropFilter is a scalar loop (tens of seconds per step)" });
        continue;
      }
      // The CNN is ~100× costlier per example: fewer examples keep each case to seconds.
      const examples = model === 'mnist-2nn' ? 400 : 40;
      const eps = await page.evaluate(
        ([m, n]) => (window as unknown as { flotillaJoin: { benchmark(s: { kind: string }, e: number, b: number): Promise<{ examplesPerSec: number }> } }).flotillaJoin.benchmark({ kind: m }, n, 10),
        [model, examples] as const,
      );
      rows.push({ backend, model, active: backend, examplesPerSec: Math.round(eps.examplesPerSec) });
      process.stdout.write(`  ${backend.padEnd(6)} ${model.padEnd(9)} ${Math.round(eps.examplesPerSec).toString().padStart(6)} examples/s (batch 10, in the worker)\n`);
    }
    await context.close();
  }
  return rows;
}

async function roundTimes(browser: Browser, url: string, token: string, tabs: number): Promise<RoundRow> {
  const examplesPerClient = 500;
  const { id } = await api<{ id: string }>(url, token, '/api/tasks?start=true', {
    name: `bench: ${tabs} tabs`, model: { kind: 'mnist-2nn' },
    data: { partition: { kind: 'iid', numClients: tabs, seed: 1, examplesPerClient }, testLimit: 1000, simulation: true },
    fit: { fractionFit: 1, minFitClients: tabs, minAvailableClients: tabs, epochs: 1, batchSize: 10, learningRate: 0.1 },
    stop: { maxRounds: 3, roundDeadlineMs: 300_000, minReports: tabs }, baseline: { enabled: false },
  });
  const contexts = [];
  for (let i = 0; i < tabs; i++) {
    const context = await browser.newContext();
    contexts.push(context);
    await (await context.newPage()).goto(`${url}/?task=${id}&partition=${i}&backend=wasm`);
  }
  let peak = { totalMB: 0, renderersMB: 0 };
  for (;;) {
    const m = chromiumMemory();
    if (m.totalMB > peak.totalMB) peak = m;
    const task = await api<{ state: string }>(url, token, `/api/tasks/${id}`);
    if (task.state !== 'running') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const { rounds } = await api<{ rounds: { round: number; startedAt: number; endedAt: number }[] }>(url, token, `/api/tasks/${id}/rounds`);
  await Promise.all(contexts.map((c) => c.close()));
  const secs = rounds.map((r) => (r.endedAt - r.startedAt) / 1000);
  // Round 1 also pays for the tabs' first weights download and tfjs warm-up; rounds 2–3 are steady.
  const steady = secs.slice(1);
  const row = {
    tabs, roundWallSeconds: secs.map((s) => Number(s.toFixed(2))), meanRoundSeconds: Number((steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length)).toFixed(2)),
    examplesPerRound: tabs * examplesPerClient, memoryPerTabMB: Math.round(peak.totalMB / tabs), rendererMBPerTab: Math.round(peak.renderersMB / tabs),
  };
  process.stdout.write(`  ${String(tabs).padStart(2)} tabs: rounds ${row.roundWallSeconds.join(' / ')} s (steady ${row.meanRoundSeconds} s, ${Math.round(row.examplesPerRound / row.meanRoundSeconds)} examples/s in all), memory ${row.memoryPerTabMB} MB per tab (renderers ${row.rendererMBPerTab} MB)\n`);
  return row;
}

/** Runs every case and writes bench/results/browser.json. */
export async function runBrowserBench(tabCounts = [4, 8, 16]): Promise<void> {
  const token = randomBytes(24).toString('hex');
  const started = await startCoordinator({
    host: '127.0.0.1', port: 0, dataDir: mkdtempSync(join(tmpdir(), 'flotilla-bench-browser-')), logLevel: 'warn', defaultTask: false, maxFrameBytes: 16 * 1024 * 1024, operatorToken: token,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    process.stdout.write(`browser clients (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}): training speed per backend × model\n`);
    const speeds = await backendSpeeds(browser, started.url);
    const wasm2nn = speeds.find((r) => r.backend === 'wasm' && r.model === 'mnist-2nn')?.examplesPerSec ?? null;
    for (const r of speeds) if (r.examplesPerSec !== null && wasm2nn && r.model === 'mnist-2nn') process.stdout.write(`  ${r.backend} / wasm (2NN): ${(r.examplesPerSec / wasm2nn).toFixed(2)}\n`);
    process.stdout.write('round wall time (2NN, 500 examples per tab, E = 1, B = 10, WASM):\n');
    const rounds: RoundRow[] = [];
    for (const n of tabCounts) rounds.push(await roundTimes(browser, started.url, token, n));
    const out = { when: new Date().toISOString(), cores: cpus().length, loadAverage: loadavg()[0], chromium: browser.version(), speeds, rounds };
    process.stdout.write(`written to ${await writeResult('browser', out)}\n`);
  } finally {
    await browser.close();
    await started.app.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  await runBrowserBench(counts.length ? counts : undefined);
}
