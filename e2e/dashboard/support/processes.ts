// Child processes for the dashboard specs: a real coordinator (`node --import tsx …/main.ts`) and
// a small Node fleet, each in its own process group so that a stop takes its workers along.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A free loopback port, so that a restarted coordinator comes back on the same address. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface ChildHandle {
  child: ChildProcess;
  output(): string;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

function launch(args: string[], env: NodeJS.ProcessEnv = {}): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-child.pid!, s);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface CoordinatorProcess extends ChildHandle {
  url: string;
}

/** Starts `apps/coordinator/src/main.ts` and resolves once it listens. */
export async function startCoordinator(options: { port: number; dataDir: string; operatorToken: string }): Promise<CoordinatorProcess> {
  const handle = launch([
    'apps/coordinator/src/main.ts', '--port', String(options.port), '--data-dir', options.dataDir, '--no-default-task',
    '--operator-token', options.operatorToken, '--log-level', 'warn',
  ]);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator did not start: ${handle.output()}`)), 60_000);
    const check = () => {
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(handle.output());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    handle.child.stdout!.on('data', check);
    handle.child.once('exit', (code) => reject(new Error(`coordinator exited with ${code}: ${handle.output()}`)));
  });
  return { ...handle, url };
}

/** `npm run fleet -- --node …` without npm in between: a few Node clients on small partitions. */
export function startFleet(url: string, token: string, extra: string[] = []): ChildHandle {
  return launch([
    'apps/fleet/src/main.ts', '--node', '--clients', '4', '--threads', '1', '--url', url, '--token', token,
    '--examples-per-client', '150', '--fraction', '1', '--test-limit', '1000', '--target', '0', '--baseline-max-epochs', '2', ...extra,
  ]);
}

/** `npm run vertical-party` without npm in between: one party of a vertical job on simulated pooled MNIST. */
export function startVerticalParty(url: string, job: string, role: string, token: string, extra: string[] = []): ChildHandle {
  // `--token=…` in one argument: a value that starts with '-' would otherwise read as an option.
  return launch(['apps/fleet/src/vertical/partyMain.ts', '--url', url, '--job', job, '--role', role, `--token=${token}`, ...extra]);
}

/** `npm run vertical-party -- --write-simulated-csv DIR …`: DIR/guest.csv and DIR/host.csv, once written. */
export async function writeSimulatedCsv(dir: string, extra: string[] = []): Promise<{ guest: string; host: string }> {
  const handle = launch(['apps/fleet/src/vertical/partyMain.ts', '--write-simulated-csv', dir, ...extra]);
  const code = await new Promise<number | null>((resolve) => handle.child.once('exit', resolve));
  if (code !== 0) throw new Error(`--write-simulated-csv exited with ${code}: ${handle.output()}`);
  return { guest: path.join(dir, 'guest.csv'), host: path.join(dir, 'host.csv') };
}

/** REST as the operator, for comparing what the dashboard shows with what the API says. */
export async function rest<T>(url: string, token: string, pathname: string): Promise<T> {
  const response = await fetch(`${url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`${pathname}: HTTP ${response.status}`);
  return await response.json() as T;
}

/** Creates a vertical job as the operator (expects 201) and returns it with its party tokens. */
export async function createVerticalJob<T>(url: string, token: string, settings: object): Promise<T> {
  const response = await fetch(`${url}/api/vertical/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  if (response.status !== 201) throw new Error(`POST /api/vertical/jobs: HTTP ${response.status} ${await response.text()}`);
  return await response.json() as T;
}
