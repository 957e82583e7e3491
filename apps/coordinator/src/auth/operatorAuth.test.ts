// Operator access end to end: REST and metrics refuse a missing or wrong token with a coded 401,
// client-facing endpoints stay open, the event stream takes ?access_token=, join tokens are enforced.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, type ClientEvent, type Trainer, type WebSocketLike } from '@flotilla/client';
import { ErrorCodes, PROTOCOL_VERSION } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { redactUrl } from './operatorAuth.ts';
import { underOperatorPrefix } from './routeAccess.ts';

describe('operator token', () => {
  let coordinator: TestCoordinator;
  let taskId: string;

  beforeAll(async () => {
    coordinator = await startTestCoordinator({ joinToken: 'join-secret' });
    taskId = await createTask(coordinator.url, smallTask(), false);
  });
  afterAll(() => coordinator.close());

  it('refuses REST calls without a token with 401 and FLT_UNAUTHORIZED', async () => {
    const { status, body } = await api<{ code: string; message: string }>(coordinator.url, '/api/tasks', { token: null });
    expect(status).toBe(401);
    expect(body.code).toBe(ErrorCodes.UNAUTHORIZED);
    expect(body.message).toMatch(/operator token/);
  });

  it('refuses a wrong token, on reads, control and metrics alike', async () => {
    for (const [pathname, method] of [['/api/tasks', 'GET'], [`/api/tasks/${taskId}/start`, 'POST'], ['/api/clients', 'GET'], ['/metrics', 'GET']] as const) {
      const { status, body } = await api<{ code: string; message: string }>(coordinator.url, pathname, { method, token: 'wrong' });
      expect({ pathname, status, code: body.code }).toEqual({ pathname, status: 401, code: ErrorCodes.UNAUTHORIZED });
      expect(body.message).toBe('the operator token is wrong');
    }
    expect((await api(coordinator.url, `/api/tasks/${taskId}`)).body).toMatchObject({ state: 'created' });
  });

  it('accepts the right token', async () => {
    const { status, body } = await api<{ tasks: { id: string }[] }>(coordinator.url, '/api/tasks');
    expect(status).toBe(200);
    expect(body.tasks.map((t) => t.id)).toContain(taskId);
  });

  it('keeps liveness and the weights clients fetch open', async () => {
    expect((await api(coordinator.url, '/healthz', { token: null })).status).toBe(200);
    const frame = await fetch(`${coordinator.url}/api/tasks/${taskId}/models/0/weights.frame`);
    expect(frame.status).toBe(200);
    const modelJson = await fetch(`${coordinator.url}/api/tasks/${taskId}/models/0/model.json`);
    expect(modelJson.status).toBe(401);
  });

  it('lets the event stream authenticate with ?access_token= (EventSource sends no headers)', async () => {
    const refused = await fetch(`${coordinator.url}/api/events?access_token=wrong`);
    expect(refused.status).toBe(401);
    const abort = new AbortController();
    const stream = await fetch(`${coordinator.url}/api/events?ephemeral=false&access_token=${coordinator.operatorToken}`, { signal: abort.signal });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    abort.abort();
  });

  it('refuses a hello without the join token, or with a wrong one, with a fatal coded error', async () => {
    for (const extra of [{}, { joinToken: 'not-it' }]) {
      const client = new RawClient(coordinator.url);
      await client.opened();
      client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, ...extra });
      const error = await client.next<{ code: string; fatal: boolean }>('error');
      expect(error).toMatchObject({ code: ErrorCodes.JOIN_REFUSED, fatal: true });
      expect((await client.waitClosed()).code).toBe(1008);
    }
    const admitted = new RawClient(coordinator.url);
    expect((await admitted.hello({ joinToken: 'join-secret' })).clientId).toBeTruthy();
    admitted.close();
  });

  it('makes a client runtime with a wrong join token stop instead of retrying forever', async () => {
    const events: ClientEvent[] = [];
    const trainer: Trainer = { device: () => ({ backend: 'test' }), train: () => Promise.reject(new Error('not used')) };
    const client = new FlotillaClient({
      url: coordinator.url, kind: 'node', trainer, data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 1 },
      joinToken: 'not-it', webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 10, maxMs: 20 },
      onEvent: (e) => events.push(e),
    });

    client.start();

    await eventually(() => (client.status === 'stopped' ? true : undefined), 10_000, 'the client to give up');
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: ErrorCodes.JOIN_REFUSED, fatal: true }));
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.type === 'status' && e.status === 'reconnecting')).toHaveLength(0);
  });
});

describe('underOperatorPrefix and redactUrl', () => {
  it('sees /api and /metrics through escapes, case, slashes, dot segments and parameters', () => {
    for (const path of ['/api/tasks', '/%61pi/tasks', '/%2561pi/tasks', '/API/Tasks', '//api//tasks', '/x/../api', '/x/%2e%2e/api', '/api\\tasks', '/api;x/tasks', '/metrics%3F', '/metrics', '//127.0.0.1:8080/api/tasks']) {
      expect({ path, operator: underOperatorPrefix(path) }).toEqual({ path, operator: true });
    }
    for (const path of ['/', '/dashboard', '/assets/api.js', '/assets/dashboard-abc.js', '/healthz', '/apiary', '/vertical/ws']) {
      expect({ path, operator: underOperatorPrefix(path) }).toEqual({ path, operator: false });
    }
  });

  it('keeps the access token out of logged URLs', () => {
    expect(redactUrl('/api/events?taskId=t&access_token=s3cret&after=4')).toBe('/api/events?taskId=t&access_token=[redacted]&after=4');
  });

  it('keeps the token out of logged URLs whatever the spelling of its name the query parser accepts', () => {
    // The query parser decodes names: each of these authenticates /api/events as access_token does.
    for (const name of ['%61ccess_token', 'access%5Ftoken', 'access%5ftoken', '%61%63%63%65%73%73%5f%74%6f%6b%65%6e']) {
      expect(redactUrl(`/api/events?${name}=s3cret`)).toBe(`/api/events?${name}=[redacted]`);
    }
    expect(redactUrl('/vertical/ws?job=j&role=guest&%74oken=s3cret')).toBe('/vertical/ws?job=j&role=guest&%74oken=[redacted]');
    expect(redactUrl('/api/events?access_token=a&access_token=s3cret#x')).toBe('/api/events?access_token=[redacted]&access_token=[redacted]#x');
    expect(redactUrl('/api/events?after=%zz&taskId=t')).toBe('/api/events?after=%zz&taskId=t');
  });

  it('keeps a token sent with an encoded name out of the request log', async () => {
    const lines: string[] = [];
    const logged = await startTestCoordinator({ logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } });
    try {
      const res = await fetch(`${logged.url}/api/tasks?%61ccess_token=${logged.operatorToken}`);
      await res.arrayBuffer();
      expect(lines.some((line) => line.includes('%61ccess_token=[redacted]'))).toBe(true);
      expect(lines.filter((line) => line.includes(logged.operatorToken))).toEqual([]);
    } finally {
      await logged.close();
    }
  });
});

describe('wrong operator tokens', () => {
  it('refuses an address with FLT_RATE_LIMITED after 20 wrong tokens, the right one too, at sign-in as on the API', async () => {
    const guessed = await startTestCoordinator();
    try {
      const call = (token: string) => fetch(`${guessed.url}/api/tasks`, { headers: { authorization: `Bearer ${token}` } });
      const signIn = (token: string) => fetch(`${guessed.url}/api/session`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }),
      });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await call(`guess-${i}`)).status, (await signIn(`guess-${i}`)).status);

      const api = await call(guessed.operatorToken);
      const session = await signIn(guessed.operatorToken);
      const noToken = await fetch(`${guessed.url}/api/tasks`);

      expect(statuses).toEqual(Array(20).fill(401));
      expect(api.status).toBe(429);
      expect(await api.json()).toMatchObject({ code: ErrorCodes.RATE_LIMITED });
      expect(session.status).toBe(429);
      expect(await session.json()).toMatchObject({ code: ErrorCodes.RATE_LIMITED });
      expect(noToken.status).toBe(401);
    } finally {
      await guessed.close();
    }
  });
});
