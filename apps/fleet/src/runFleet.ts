// The fleet command end to end: a coordinator (given or started here), a task (given or
// created from the flags), the Node clients, the wait for the baseline, and the summary.

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { byzantineClients } from '@flotilla/client';
import { startCoordinator } from '@flotilla/coordinator';
import type { FleetArgs } from './args.ts';
import { operatorHeaders, runNodeFleet, type NodeFleetRun } from './nodeFleet.ts';
import { runBrowserFleet, type BrowserFleetRun } from './browser/browserFleet.ts';
import { parseNetworkProfile } from './browser/chromium.ts';
import { consoleReporter, type FleetReporter } from './report.ts';
import { buildSummary, type FleetSummary } from './summary.ts';

async function json<T>(response: Response): Promise<T> {
  const body = await response.json() as T & { code?: string; message?: string };
  if (!response.ok) throw new Error(`${response.url}: ${body.code ?? response.status} ${body.message ?? ''}`);
  return body;
}

export async function runFleet(args: FleetArgs, reporter: FleetReporter = consoleReporter(), signal = new AbortController().signal): Promise<FleetSummary> {
  const startedAt = Date.now();
  let url = args.url;
  let token = args.token;
  let stopCoordinator: (() => Promise<void>) | null = null;
  if (!url) {
    const dataDir = args.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'flotilla-fleet-'));
    const started = await startCoordinator({
      host: '127.0.0.1', port: 0, dataDir, logLevel: 'warn', defaultTask: false, maxFrameBytes: 16 * 1024 * 1024, operatorToken: token, joinToken: args.joinToken,
    });
    url = started.url;
    // A coordinator started here may have generated its token: the fleet knows it.
    token = started.operator.token;
    stopCoordinator = () => started.app.close();
    reporter.info(`started a coordinator at ${url} (data in ${dataDir})`);
  }
  try {
    let taskId = args.taskId;
    if (taskId) {
      const task = await json<{ state: string }>(await fetch(`${url}/api/tasks/${taskId}`, { headers: operatorHeaders(token) }));
      if (task.state === 'created') await json(await fetch(`${url}/api/tasks/${taskId}/start`, { method: 'POST', headers: operatorHeaders(token) }));
    } else {
      const created = await json<{ id: string; name: string }>(await fetch(`${url}/api/tasks?start=true`, {
        method: 'POST', headers: { ...operatorHeaders(token), 'content-type': 'application/json' }, body: JSON.stringify(args.task),
      }));
      taskId = created.id;
      reporter.info(`task ${taskId}: ${created.name}`);
    }
    const byzantine = args.byzantine
      ? { attack: args.byzantine.attack, text: args.byzantine.text, clients: byzantineClients(args.clients, args.byzantine.fraction, args.seed) }
      : null;
    if (byzantine) reporter.info(`Byzantine clients (${args.byzantine!.attack.name}): ${byzantine.clients.join(', ') || 'none'}`);
    const run: NodeFleetRun | BrowserFleetRun = args.node
      ? await runNodeFleet({ url, taskId, clients: args.clients, threads: args.threads, dropout: args.dropout, seed: args.seed, token, joinToken: args.joinToken, reporter, byzantine }, signal)
      : await runBrowserFleet({
        url, taskId, clients: args.clients, dropout: args.dropout, seed: args.seed, token, joinToken: args.joinToken, reporter, byzantine,
        ...args.browser, network: parseNetworkProfile(args.browser.network ?? undefined),
      }, signal);
    reporter.info(`task ${run.finalState}${run.stopReason ? `: ${run.stopReason}` : ''}`);
    if (args.waitBaseline) await waitForBaseline(url, taskId, token, reporter, signal);
    const summary = {
      ...await buildSummary(url, taskId, run, { clients: args.clients, threads: args.threads, startedAt, token }), ...('browser' in run ? { browser: run.browser } : {}),
      byzantine: byzantine ? { attack: byzantine.attack, fraction: args.byzantine!.fraction, clients: byzantine.clients } : null,
    };
    reporter.info(
      `${summary.committedRounds} rounds committed, ${summary.abandonedRounds} abandoned, ${summary.dropouts} dropouts; ` +
      `final accuracy ${summary.finalAccuracy?.toFixed(4) ?? '—'}` +
      (summary.roundsToTarget ? `, target ${summary.targetAccuracy} reached in round ${summary.roundsToTarget}` : '') +
      (summary.baseline?.accuracy != null ? `; centralized baseline ${summary.baseline.accuracy.toFixed(4)}, δ ${summary.finalDelta?.toFixed(4)}` : ''),
    );
    if (args.summaryJson) {
      writeFileSync(args.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
      reporter.info(`summary written to ${args.summaryJson}`);
    }
    return summary;
  } finally {
    await stopCoordinator?.();
  }
}

async function waitForBaseline(url: string, taskId: string, token: string | null, reporter: FleetReporter, signal: AbortSignal): Promise<void> {
  let announced = false;
  while (!signal.aborted) {
    const { baseline } = await json<{ baseline: { status: string; epochs: unknown[] } | null }>(await fetch(`${url}/api/tasks/${taskId}/baseline`, { headers: operatorHeaders(token) }));
    if (!baseline || baseline.status !== 'running') return;
    if (!announced) reporter.info(`waiting for the centralized baseline (epoch ${baseline.epochs.length} so far)…`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
