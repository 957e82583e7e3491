// The fleet's watch of the coordinator survives the coordinator going away: the follower waits
// with backoff while nothing listens, then resumes after the last event it saw, so no event is
// lost or seen twice across the gap. Real sockets on loopback.

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorHttpError, CoordinatorLink, backoffDelay, isUnreachable } from './coordinatorLink.ts';
import { followEventStream, type StreamEvent } from './eventStream.ts';
import type { FleetReporter } from './report.ts';

function recorder(): FleetReporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (t) => lines.push(t), warn: (t) => lines.push(t), round: (t) => lines.push(t), baseline: () => {} };
}

/** A stand-in for the coordinator's /api/events: durable events 1..count, replayed after ?after=. */
function sseServer(count: number, port = 0, status = 200): Promise<{ server: http.Server; port: number; afters: number[]; kill(): void }> {
  const sockets = new Set<Socket>();
  const afters: number[] = [];
  const server = http.createServer((req, res) => {
    const after = Number(new URL(req.url!, 'http://x').searchParams.get('after') ?? 0);
    afters.push(after);
    if (status !== 200) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let seq = after + 1; seq <= count; seq++) res.write(`id: ${seq}\nevent: round.committed\ndata: {"round":${seq}}\n\n`);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    server, port: (server.address() as AddressInfo).port, afters,
    // Like kill -9: connections cut, nothing listening any more.
    kill: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  })));
}

const until = (check: () => boolean) => new Promise<void>((resolve) => {
  const poll = setInterval(() => {
    if (check()) {
      clearInterval(poll);
      resolve();
    }
  }, 10);
});

describe('followEventStream', () => {
  const servers: http.Server[] = [];
  afterEach(() => {
    for (const s of servers) s.close();
  });

  it('waits out a coordinator that died and resumes after the last event seen', async () => {
    const first = await sseServer(3);
    servers.push(first.server);
    const reporter = recorder();
    const stop = new AbortController();
    const link = new CoordinatorLink(reporter, stop.signal, { baseMs: 20, maxMs: 100, giveUpAfterMs: 30_000 });
    const seen: StreamEvent[] = [];
    const following = followEventStream(`http://127.0.0.1:${first.port}/api/events?taskId=t`, (e) => seen.push(e), link, stop.signal);

    await until(() => seen.length === 3);
    first.kill();
    await until(() => reporter.lines.filter((l) => l.startsWith('coordinator unreachable')).length >= 2);
    const second = await sseServer(5, first.port);
    servers.push(second.server);
    await until(() => seen.length === 5);
    stop.abort();
    await following;

    expect(seen.map((e) => e.data.round)).toEqual([1, 2, 3, 4, 5]);
    expect(second.afters[0]).toBe(3);
    expect(link.outages).toBe(1);
    expect(reporter.lines[0]).toMatch(/^coordinator unreachable \(event stream: .+\), retrying in \d+\.\d s$/);
    expect(reporter.lines.at(-1)).toMatch(/^coordinator reachable again after \d+\.\d s$/);
  });

  it('gives up on a refusal at once instead of retrying it', async () => {
    const refusing = await sseServer(0, 0, 401);
    servers.push(refusing.server);
    const reporter = recorder();
    const stop = new AbortController();
    const link = new CoordinatorLink(reporter, stop.signal, { baseMs: 20, maxMs: 100, giveUpAfterMs: 30_000 });
    await expect(followEventStream(`http://127.0.0.1:${refusing.port}/api/events?taskId=t`, () => {}, link, stop.signal)).rejects.toThrow(/HTTP 401/);
    expect(refusing.afters).toHaveLength(1);
    expect(reporter.lines).toEqual([]);
  });

  it('fails after a bounded outage', async () => {
    const gone = await sseServer(0);
    gone.kill();
    const stop = new AbortController();
    let now = 0;
    const link = new CoordinatorLink(recorder(), stop.signal, { baseMs: 1000, maxMs: 1000, giveUpAfterMs: 5000 }, () => now, async (ms) => void (now += ms));
    await expect(link.retry('task', () => fetch(`http://127.0.0.1:${gone.port}/api/tasks/t`))).rejects.toThrow(/coordinator unreachable for \d+ s \(task\)/);
    expect(now).toBeGreaterThan(0);
  });
});

describe('isUnreachable', () => {
  it('tells an outage from a refusal', () => {
    expect(isUnreachable(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isUnreachable(new TypeError('terminated'))).toBe(true);
    expect(isUnreachable(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(true);
    expect(isUnreachable(new CoordinatorHttpError(503, null, 'starting'))).toBe(true);
    expect(isUnreachable(new CoordinatorHttpError(401, 'FLT_UNAUTHORIZED', 'wrong token'))).toBe(false);
    expect(isUnreachable(new CoordinatorHttpError(404, 'FLT_TASK_NOT_FOUND', 'no such task'))).toBe(false);
    expect(isUnreachable(new TypeError("Cannot read properties of undefined (reading 'round')"))).toBe(false);
  });

  it('draws full-jitter delays within the capped exponential bound', () => {
    expect(backoffDelay(0, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(500);
    expect(backoffDelay(3, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(4000);
    expect(backoffDelay(10, { baseMs: 500, maxMs: 10_000 }, () => 1)).toBe(10_000);
    expect(backoffDelay(10, { baseMs: 500, maxMs: 10_000 }, () => 0)).toBe(0);
  });
});
