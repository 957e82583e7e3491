// The coordinator's main.ts as its own process, as `npm start` runs it, so a test can kill it with
// SIGKILL: the one starter behind a test's coordinator, edge or fleet-restart process.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A started process and the address it printed. */
export interface MainProcess { child: ChildProcess; url: string }

/**
 * Starts `main.ts` with `args` from the repository root; resolves once it prints where it listens,
 * rejects (with everything it printed) if it exits first. `role` names it in that error.
 * @example const { child, url } = await startMainProcess(['--role', 'edge', '--nats', natsUrl, '--port', '0'], 'edge');
 */
export function startMainProcess(args: readonly string[], role: string): Promise<MainProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}: ${out}`)));
  });
}
