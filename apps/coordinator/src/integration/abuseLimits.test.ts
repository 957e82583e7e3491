// Connection caps, rate limits and sampled logging over real loopback sockets: a refused peer
// gets its coded error and a 1013 close, the coordinator keeps serving everyone else, and a
// flood of refusals writes a handful of log lines while the metrics count every one.

import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCodes, PROTOCOL_VERSION, encodeFrame } from '@flotilla/protocol';
import { RawClient, operatorHeaders, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

interface ErrorMsg { type: 'error'; code: string; fatal: boolean }

describe('abuse limits', () => {
  let coordinator: TestCoordinator | null = null;
  const sockets: RawClient[] = [];
  const raw = () => {
    const c = new RawClient(coordinator!.url);
    sockets.push(c);
    return c;
  };
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await coordinator?.close();
    coordinator = null;
  });

  it('refuses connections past the per-address cap with FLT_TOO_MANY_CONNECTIONS and 1013, and admits again once one closes', async () => {
    coordinator = await startTestCoordinator({ limits: { maxConnectionsPerAddress: 2 } });
    const first = raw();
    await first.hello();
    await raw().hello();

    const third = raw();
    expect(await third.next<ErrorMsg>('error')).toMatchObject({ code: ErrorCodes.TOO_MANY_CONNECTIONS, fatal: true });
    expect((await third.waitClosed()).code).toBe(1013);

    first.close();
    await first.waitClosed();
    await eventuallyWelcomed(() => raw());
  });

  it.each([
    ['ignores X-Forwarded-For by default: one address, whatever the header says', undefined, ['203.0.113.1', '203.0.113.2'], [true, false]],
    ['keys on X-Forwarded-For from a trusted proxy', '127.0.0.1', ['203.0.113.1', '203.0.113.2', '203.0.113.1'], [true, true, false]],
  ])('%s', async (_what, trustProxy, forwardedFor, admitted) => {
    coordinator = await startTestCoordinator({ limits: { maxConnectionsPerAddress: 1 }, ...(trustProxy ? { trustProxy } : {}) });
    const outcomes: boolean[] = [];
    const open: WebSocket[] = [];
    for (const address of forwardedFor) {
      const socket = new WebSocket(`${coordinator.url.replace(/^http/, 'ws')}/ws`, { headers: { 'x-forwarded-for': address } });
      open.push(socket);
      outcomes.push(await new Promise<boolean>((resolve) => {
        socket.on('message', (data) => resolve(JSON.parse(data.toString()).code !== ErrorCodes.TOO_MANY_CONNECTIONS));
        socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: [] } })));
      }));
    }
    for (const socket of open) socket.close();
    expect(outcomes).toEqual(admitted);
  });

  it('refuses hellos past the per-address rate with FLT_RATE_LIMITED and 1013', async () => {
    coordinator = await startTestCoordinator({ limits: { helloBurst: 2, hellosPerMinute: 1 } });
    await raw().hello();
    await raw().hello();

    const third = raw();
    await third.opened();
    third.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] } });
    expect(await third.next<ErrorMsg>('error')).toMatchObject({ code: ErrorCodes.RATE_LIMITED, fatal: true });
    expect((await third.waitClosed()).code).toBe(1013);
  });

  it('drops messages past the rate with a non-fatal FLT_RATE_LIMITED, and closes a client that keeps going', async () => {
    coordinator = await startTestCoordinator({ limits: { messageBurst: 5, messagesPerSecond: 0.001 } });
    const flooder = raw();
    await flooder.hello();
    for (let i = 0; i < 20; i++) flooder.send({ type: 'heartbeat' });

    const errors: ErrorMsg[] = [];
    // The hello took one of the 5 tokens, four heartbeats the rest; five more are dropped, the sixth closes.
    for (let i = 0; i < 6; i++) errors.push(await flooder.next<ErrorMsg>('error'));
    expect(errors.every((e) => e.code === ErrorCodes.RATE_LIMITED)).toBe(true);
    expect(errors.map((e) => e.fatal)).toEqual([false, false, false, false, false, true]);
    expect((await flooder.waitClosed()).code).toBe(1013);
    const health = await fetch(`${coordinator.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('caps concurrent event streams with 503 FLT_TOO_MANY_CONNECTIONS and frees the place when a stream ends', async () => {
    coordinator = await startTestCoordinator({ limits: { maxEventStreams: 1 } });
    const first = new AbortController();
    const open = await fetch(`${coordinator.url}/api/events`, { headers: operatorHeaders(), signal: first.signal });
    expect(open.status).toBe(200);

    const refused = await fetch(`${coordinator.url}/api/events`, { headers: operatorHeaders() });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: ErrorCodes.TOO_MANY_CONNECTIONS });

    first.abort();
    const again = await eventuallyOk(() => fetch(`${coordinator!.url}/api/events`, { headers: operatorHeaders(), signal: AbortSignal.timeout(5_000) }));
    await again.body?.cancel();
  });

  it('logs a flood of refusals as a few lines and one summary, while the metrics count every one', async () => {
    const lines: { msg: string; code?: string }[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    coordinator = await startTestCoordinator({ logger: { level: 'warn', stream }, limits: { messageBurst: 10_000 } });
    const junk = raw();
    await junk.hello();
    const FRAMES = 300;
    const stale = encodeFrame({ type: 'update', taskId: 'no-such-task', round: 1, modelVersion: 0, numExamples: 1, metrics: { loss: 1, accuracy: 0, trainMs: 1 } }, []);
    for (let i = 0; i < FRAMES; i++) junk.send(stale);
    for (let i = 0; i < FRAMES; i++) await junk.next<ErrorMsg>('error');

    const metrics = await (await fetch(`${coordinator.url}/metrics`, { headers: operatorHeaders() })).text();
    expect(metrics).toMatch(/flotilla_rejected_messages_total\{code="FLT_STALE_ROUND"\} 300/);
    await coordinator.close();
    coordinator = null;
    const refusals = lines.filter((l) => l.msg === 'client message refused');
    expect(refusals).toHaveLength(5);
    expect(lines.map((l) => l.msg)).toContain('295 more FLT_STALE_ROUND refused from 127.0.0.1 in the last 10 s');
  });
});

async function eventuallyWelcomed(open: () => RawClient): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const c = open();
    try {
      await c.hello();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error('never admitted again');
}

async function eventuallyOk(request: () => Promise<Response>): Promise<Response> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await request();
    if (response.ok) return response;
    await response.body?.cancel();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('never admitted again');
}
