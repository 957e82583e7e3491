// A nats-server with JetStream for tests: a free loopback port, a temp store directory, ready
// once it accepts connections, stopped with SIGTERM (SIGKILL if it lingers).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestNatsServer {
  /** `nats://127.0.0.1:PORT`. */
  url: string;
  port: number;
  child: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and removes its store. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A port the OS says is free right now.
 * @example const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `nats-server -js -sd DIR -a 127.0.0.1 -p PORT` (FLOTILLA_NATS_SERVER names another
 * binary) and resolves once it accepts connections; `port` restarts one on a known port.
 * @example const nats = await startNatsServer(); … await nats.stop();
 */
export async function startNatsServer(options: { port?: number; storeDir?: string } = {}): Promise<TestNatsServer> {
  const binary = process.env.FLOTILLA_NATS_SERVER || 'nats-server';
  const port = options.port ?? await freePort();
  const storeDir = options.storeDir ?? mkdtempSync(path.join(os.tmpdir(), 'flotilla-nats-'));
  const child = spawn(binary, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnError: Error | null = null;
  child.once('error', (err) => { spawnError = err; });
  const until = Date.now() + 10_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start ${binary}: ${(spawnError as Error).message} (set FLOTILLA_NATS_SERVER to its path)`);
    if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}: ${output}`);
    // JetStream is ready once the log says so; the port alone opens a moment earlier.
    if (/Server is ready/.test(output) && await accepts(port)) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${binary} did not become ready in 10 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`, port, child,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
