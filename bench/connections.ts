// `npm run bench -- connections`: what idle connected clients cost a coordinator. A coordinator
// process (no task, so every client idles after its welcome) is measured before and while
// CONNECTIONS_CLIENTS light clients of `npm run load` hold their sockets for CONNECTIONS_HOLD_S
// seconds: its resident memory per connected client, and the clients' WebSocket ping round trip
// (the coordinator's responsiveness as they feel it) at p50/p99. The light clients run in this
// process; their own memory per client is reported beside. Memory is read from /proc (Linux).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { startMainProcess } from '@flotilla/coordinator/testing/mainProcess';
import { runLoad } from '@flotilla/fleet';
import { round, writeResult } from './support.ts';

const CLIENTS = Number(process.env.CONNECTIONS_CLIENTS ?? 2000);
const HOLD_S = Number(process.env.CONNECTIONS_HOLD_S ?? 60);

const rssKB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runConnectionsBench(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-connections-'));
  const { child, url } = await startMainProcess([
    '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--no-default-task', '--log-level', 'warn', '--max-connections', String(CLIENTS + 100),
  ], 'the coordinator');
  try {
    await sleep(5000);
    const before = rssKB(child.pid!);
    const selfBefore = process.memoryUsage().rss / 1024;
    console.log(`connections: coordinator at ${url}, ${Math.round(before / 1024)} MB before; ${CLIENTS} idle clients for ${HOLD_S} s`);
    const samples: number[] = [];
    let heldAll = 0;
    let selfPeakMB = 0;
    const last = await runLoad({
      targets: [`${url.replace(/^http/, 'ws')}/ws`], clients: CLIENTS, firstClient: 0, numExamples: 100, trainMs: 0, slowFraction: 0, slowFactor: 1,
      dropout: 0, reconnectMs: 2000, rampPerSecond: 500, durationSec: HOLD_S, reportEverySec: 5, sourceAddresses: Math.ceil(CLIENTS / 200), seed: 1,
    }, (s, t) => {
      selfPeakMB = Math.max(selfPeakMB, s.rssMB);
      if (s.connected === CLIENTS) {
        samples.push(rssKB(child.pid!));
        heldAll++;
      }
      console.log(`  ${Math.round(t)} s: ${s.connected}/${CLIENTS} connected, ping p50/p99 ${s.heartbeatMs.p50}/${s.heartbeatMs.p99} ms, coordinator ${Math.round(rssKB(child.pid!) / 1024)} MB`);
    });
    const during = samples.length > 0 ? Math.max(...samples) : rssKB(child.pid!);
    const report = {
      machine: { cpus: cpus().length, loadavg: loadavg().map((l) => round(l)) },
      clients: CLIENTS, holdSeconds: HOLD_S,
      connectedAtEnd: last.connected, unexpectedCloses: last.unexpectedCloses, intervalsWithAllConnected: heldAll,
      coordinatorRssMB: { before: round(before / 1024), whileHeld: round(during / 1024) },
      coordinatorKBPerIdleClient: round((during - before) / CLIENTS),
      loadProcessKBPerClient: round((selfPeakMB * 1024 - selfBefore) / CLIENTS),
      pingMs: last.heartbeatMs, pings: last.heartbeats,
    };
    console.log(JSON.stringify(report, null, 2));
    console.log(`wrote ${await writeResult('connections', report)}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
