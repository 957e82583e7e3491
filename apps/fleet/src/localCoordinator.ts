// A coordinator for a fleet run without --url: started as its own process (as `npm start` runs
// it), so the fleet talks to it over HTTP and WebSocket only, as to any other coordinator.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOperatorToken } from './operatorToken.ts';

/** The coordinator's entry point in this repository; a path, not an import: the fleet does not load the coordinator. */
const COORDINATOR_MAIN = fileURLToPath(new URL('../../coordinator/src/main.ts', import.meta.url));
/** The repository's root: where `tsx` (the coordinator's TypeScript loader) resolves from, whatever the fleet's own directory. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface LocalCoordinator {
  url: string;
  /** The operator token it runs with: the one given, or the one it generated and saved in its data directory. */
  token: string;
  /** SIGTERM, then waits for it to finish its shutdown (running tasks resume at its next start). */
  stop(): Promise<void>;
}

/**
 * Starts a coordinator process on a free loopback port with its store under `dataDir`, no default task.
 * @example const local = await startLocalCoordinator({ dataDir, operatorToken: null, joinToken: null }); …; await local.stop();
 */
export function startLocalCoordinator(options: { dataDir: string; operatorToken: string | null; joinToken: string | null }): Promise<LocalCoordinator> {
  const dataDir = path.resolve(options.dataDir);
  const child = spawn(process.execPath, [
    '--import', 'tsx', COORDINATOR_MAIN, '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir,
    '--no-default-task', '--log-level', 'warn', '--max-frame-mb', '16',
  ], {
    // The tokens travel in the environment, not the command line that `ps` shows.
    env: {
      ...process.env,
      ...(options.operatorToken ? { FLOTILLA_OPERATOR_TOKEN: options.operatorToken } : {}),
      ...(options.joinToken ? { FLOTILLA_JOIN_TOKEN: options.joinToken } : {}),
    },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let listening = false;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the local coordinator did not start within ${START_TIMEOUT_MS / 1000} s: ${out.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    // Past its banner, the coordinator's log (warnings and errors) goes to the fleet's stderr.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (listening) return void process.stderr.write(chunk);
      out += chunk.toString();
      const match = /listening on (https?:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        listening = true;
        clearTimeout(timer);
        // Without a token of ours the coordinator generated one and saved it before it listened.
        const token = options.operatorToken ?? readOperatorToken(dataDir);
        if (token) resolve({ url: match[1]!, token, stop });
        else void stop().then(() => reject(new Error(`the local coordinator saved no operator token in ${dataDir}`)));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local coordinator exited with ${code}: ${out.slice(-2000)}`));
    });
  });
}
