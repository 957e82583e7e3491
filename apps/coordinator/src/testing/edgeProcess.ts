// An edge aggregator as its own process, as `npm start -- --role edge` runs it, so a test can
// kill it with SIGKILL mid-round.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/**
 * Starts `main.ts --role edge --nats URL --edge-id ID --port 0`; resolves once it prints where it listens.
 * @example const { child, url } = await startEdgeProcess(nats.url, 'edge-b');
 */
export function startEdgeProcess(natsUrl: string, edgeId: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--role', 'edge', '--nats', natsUrl, '--edge-id', edgeId, '--port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`edge exited with ${code}: ${out}`)));
  });
}
