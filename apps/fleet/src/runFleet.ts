// The fleet command end to end: a coordinator (given or started here), a task (given or
// created from the flags), the Node clients, the wait for the baseline, and the summary.

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { byzantineClients } from '@flotilla/client';
import type { BaselineView, ContributionView, TaskView } from '@flotilla/protocol';
import type { FleetArgs } from './args.ts';
import { operatorHeaders, runNodeFleet, type NodeFleetRun } from './nodeFleet.ts';
import { runBrowserFleet, type BrowserFleetRun } from './browser/browserFleet.ts';
import { parseNetworkProfile } from './browser/chromium.ts';
import { consoleReporter, type FleetReporter } from './report.ts';
import { CoordinatorLink, DEFAULT_LINK, requestJson } from './coordinatorLink.ts';
import { buildSummary, type FleetSummary } from './summary.ts';
import { clientDataSchema, loadOwnDataClients, ownDataTask, type OwnDataClient } from './ownData.ts';
import { startLocalCoordinator } from './localCoordinator.ts';
import { slowClients } from './DelayedTrainer.ts';
import { fetchStandings, formatStandings } from './contributionReport.ts';

export async function runFleet(args: FleetArgs, reporter: FleetReporter = consoleReporter(), signal = new AbortController().signal): Promise<FleetSummary> {
  const startedAt = Date.now();
  let url = args.url;
  let token = args.token;
  let stopCoordinator: (() => Promise<void>) | null = null;
  if (!url) {
    const dataDir = args.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'flotilla-fleet-'));
    const started = await startLocalCoordinator({ dataDir, operatorToken: token, joinToken: args.joinToken });
    url = started.url;
    // A coordinator started here runs with the token given or one made up for it: the fleet knows it.
    token = started.token;
    stopCoordinator = started.stop;
    reporter.info(`started a coordinator at ${url} (data in ${dataDir})`);
  }
  // A coordinator the fleet was pointed at may crash or restart under it: the fleet waits it out.
  const link = new CoordinatorLink(reporter, signal, { ...DEFAULT_LINK, giveUpAfterMs: args.reconnectForS * 1000 });
  try {
    // --data: each client reads its own files with the task's schema before anything joins.
    let ownData: OwnDataClient[] | null = null;
    let task = args.task;
    if (args.clientData !== null) {
      const schema = await clientDataSchema(args, url, token, link);
      reporter.info(`reading the clients' files in ${args.clientData} as ${schema.kind} examples`);
      ownData = await loadOwnDataClients(args.clientData, schema, reporter);
      task = ownDataTask(args.task, schema, ownData.length, args.dropout, args.seed);
    }
    const clients = ownData?.length ?? args.clients;
    let taskId = args.taskId;
    if (taskId) {
      const id = taskId;
      // Read before started: a retry after a start whose answer was lost finds the task running.
      await link.retry('task', async () => {
        const task = await requestJson<TaskView>(`${url}/api/tasks/${id}`, { headers: operatorHeaders(token) });
        if (task.state === 'created') await requestJson(`${url}/api/tasks/${id}/start`, { method: 'POST', headers: operatorHeaders(token) });
      });
    } else {
      const created = await link.retry('task creation', () => requestJson<TaskView>(`${url}/api/tasks?start=true`, {
        method: 'POST', headers: { ...operatorHeaders(token), 'content-type': 'application/json' }, body: JSON.stringify(task),
      }));
      taskId = created.id;
      reporter.info(`task ${taskId}: ${created.name}`);
    }
    const byzantine = args.byzantine
      ? { attack: args.byzantine.attack, text: args.byzantine.text, clients: byzantineClients(args.clients, args.byzantine.fraction, args.seed) }
      : null;
    if (byzantine) reporter.info(`Byzantine clients (${args.byzantine!.attack.name}): ${byzantine.clients.join(', ') || 'none'}`);
    const slow = args.node && args.slow.fraction > 0 && args.slow.factor > 1
      ? { clients: slowClients(clients, args.slow.fraction, args.seed), factor: args.slow.factor }
      : null;
    if (slow) reporter.info(`${slow.clients.length} clients simulate a ${slow.factor}× slower device: ${slow.clients.join(', ')}`);
    if (args.duplicate !== null) {
      reporter.info(`client ${args.duplicate} trains on client 0's partition (two clients holding the same data)`);
      if (byzantine?.clients.includes(args.duplicate)) reporter.warn(`client ${args.duplicate} both attacks and duplicates client 0: pick another --duplicate or --seed to tell them apart`);
    }
    const run: NodeFleetRun | BrowserFleetRun = args.node
      ? await runNodeFleet({
        url, taskId, clients, threads: args.threads, dropout: args.dropout, seed: args.seed, token, joinToken: args.joinToken, stateDir: args.stateDir, reporter, link, byzantine, ownData, slow,
        duplicate: args.duplicate,
      }, signal)
      : await runBrowserFleet({
        url, taskId, clients: args.clients, dropout: args.dropout, seed: args.seed, token, joinToken: args.joinToken, reporter, link, byzantine, duplicate: args.duplicate,
        ...args.browser, network: parseNetworkProfile(args.browser.network ?? undefined),
      }, signal);
    reporter.info(`task ${run.finalState}${run.stopReason ? `: ${run.stopReason}` : ''}`);
    if (args.waitBaseline && ownData === null) await waitForBaseline(url, taskId, token, reporter, link);
    const summary = {
      ...await buildSummary(url, taskId, run, { clients, threads: args.threads, startedAt, token, link }), ...('browser' in run ? { browser: run.browser } : {}),
      byzantine: byzantine ? { attack: byzantine.attack, fraction: args.byzantine!.fraction, clients: byzantine.clients } : null,
      contribution: undefined as ContributionView | undefined,
    };
    reporter.info(
      `${summary.committedRounds} rounds committed, ${summary.abandonedRounds} abandoned, ${summary.dropouts} dropouts; ` +
      `final accuracy ${summary.finalAccuracy?.toFixed(4) ?? '—'}` +
      (summary.roundsToTarget ? `, target ${summary.targetAccuracy} reached in round ${summary.roundsToTarget}` : '') +
      (summary.baseline?.accuracy != null ? `; centralized baseline ${summary.baseline.accuracy.toFixed(4)}, δ ${summary.finalDelta?.toFixed(4)}` : '') +
      (summary.coordinatorOutages > 0 ? `; rode out ${summary.coordinatorOutages} coordinator outage(s), ${summary.coordinatorDownSeconds.toFixed(1)} s in all` : ''),
    );
    if ((summary.config as TaskView['config']).contribution?.enabled) {
      const lastCommitted = summary.rounds.filter((r) => r.outcome === 'committed').at(-1)?.round ?? 0;
      const standings = await fetchStandings(url, taskId, token, link, lastCommitted, run.partitions, (line) => reporter.info(line));
      if (standings) {
        const roles = { byzantine: byzantine ? { attack: byzantine.attack.name, clients: byzantine.clients } : null, duplicate: args.duplicate };
        for (const line of formatStandings(standings.view, standings.partitions, roles)) reporter.info(line);
        summary.contribution = standings.view;
      }
    }
    if (args.summaryJson) {
      writeFileSync(args.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
      reporter.info(`summary written to ${args.summaryJson}`);
    }
    return summary;
  } finally {
    await stopCoordinator?.();
  }
}

async function waitForBaseline(url: string, taskId: string, token: string | null, reporter: FleetReporter, link: CoordinatorLink): Promise<void> {
  let announced = false;
  while (!link.signal.aborted) {
    const { baseline } = await link.retry('baseline', () => requestJson<BaselineView>(`${url}/api/tasks/${taskId}/baseline`, { headers: operatorHeaders(token) }));
    if (!baseline || baseline.status !== 'running') return;
    if (!announced) reporter.info(`waiting for the centralized baseline (epoch ${baseline.epochs.length} so far)…`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
