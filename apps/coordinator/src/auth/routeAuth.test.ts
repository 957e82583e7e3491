// Every operator route, enumerated from the app itself, refuses every spelling of its path without
// the token: each character percent-encoded (upper- and lower-case hex), doubled and trailing
// slashes, dot segments, case changes, absolute form, HEAD and OPTIONS, and ?/#/; tricks. The
// requests go byte for byte over a loopback socket, so nothing normalises them on the way. The app
// serves a web directory of the test's own, so the static files' wildcard route is always there to
// be tried (apps/web/dist may not be built yet when the unit tests run).

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { api, createTask, smallTask, startTestCoordinator, TEST_OPERATOR_TOKEN, type TestCoordinator } from '../testing/harness.ts';
import { rawRequest, type RawResponse } from '../testing/rawHttp.ts';
import type { RouteEntry } from './routeAccess.ts';

/** Spellings a router, a file server or a proxy might resolve to `path`. */
function spellings(path: string, port: number): string[] {
  const out = new Set<string>();
  for (let i = 0; i < path.length; i++) {
    const hex = path.charCodeAt(i).toString(16).padStart(2, '0');
    for (const h of [hex.toUpperCase(), hex.toLowerCase()]) out.add(`${path.slice(0, i)}%${h}${path.slice(i + 1)}`);
  }
  const slashes = [...path.matchAll(/\//g)].map((m) => m.index);
  for (const i of slashes) {
    out.add(`${path.slice(0, i)}/${path.slice(i)}`);
    out.add(`${path.slice(0, i)}/.${path.slice(i)}`);
    out.add(`${path.slice(0, i)}/x/..${path.slice(i)}`);
    out.add(`${path.slice(0, i)}/x/%2e%2e${path.slice(i)}`);
    out.add(`${path.slice(0, i)}\\${path.slice(i + 1)}`);
  }
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const upper = [...segments];
    upper[i] = upper[i]!.toUpperCase();
    out.add(upper.join('/'));
    const capital = [...segments];
    capital[i] = capital[i]!.charAt(0).toUpperCase() + capital[i]!.slice(1);
    out.add(capital.join('/'));
  }
  for (const suffix of ['/', '//', '/.', '?', '?x=1', '#', '#x', ';', ';x=1', '%3F', '%23', '%3B', '%00', '%20', '?access_token=wrong', `?access_token=${'a'.repeat(40)}`]) {
    out.add(`${path}${suffix}`);
  }
  out.add(path.toUpperCase());
  out.add(`http://127.0.0.1:${port}${path}`);
  out.add(`http://evil.example${path}`);
  out.add(`HTTP://127.0.0.1:${port}${path}`);
  out.add(`//127.0.0.1:${port}${path}`);
  out.delete(path);
  return [...out];
}

// What Node's HTTP parser answers, before any route or hook runs, to a request line it cannot parse.
const PARSER_REFUSAL = '{"error":"Bad Request","message":"Client Error","statusCode":400}';

/**
 * A refusal: 401 FLT_UNAUTHORIZED, or 400 FLT_BAD_REQUEST_TARGET for absolute form (or the HTTP
 * parser's own 400 for a target that is not a path at all), with nothing but a code and a message.
 */
function refusedWithoutData(r: RawResponse, method: string, secrets: string[]): boolean {
  if (r.status === 400 && r.body === PARSER_REFUSAL) return true;
  if (method === 'HEAD') return r.status === 401 || r.status === 400;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(r.body) as Record<string, unknown>;
  } catch {
    return false;
  }
  const allowed = r.status === 401 ? ErrorCodes.UNAUTHORIZED : r.status === 400 ? ErrorCodes.BAD_REQUEST_TARGET : null;
  return allowed !== null && body.code === allowed && Object.keys(body).sort().join() === 'code,message' && !secrets.some((s) => r.body.includes(s));
}

/** Runs `work` over `items` with at most `limit` in flight (each opens a socket). */
async function pooled<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  }));
  return results;
}

describe('operator routes, whatever the spelling', () => {
  let coordinator: TestCoordinator;
  let port: number;
  let operatorRoutes: RouteEntry[];
  const ids: Record<string, string> = {};

  /** A route pattern with its parameters filled with real ids, so a wrong answer would carry real data. */
  const fill = (pattern: string): string => pattern
    .replace(':id', pattern.startsWith('/api/vertical/') ? ids.job! : pattern.startsWith('/api/datasets/') ? 'mnist' : ids.task!)
    .replace(':version', '0').replace(':round', '1').replace(':action', 'pause').replace(/:[a-zA-Z]+/g, 'x');
  /** Required query strings, so that with the token the normal spelling gets its 200. */
  const QUERIES: Record<string, string> = {
    '/api/privacy/noise-multiplier': '?targetEpsilon=8&delta=0.00001&sampleRate=0.1&rounds=10',
  };

  beforeAll(async () => {
    const webRoot = mkdtempSync(path.join(os.tmpdir(), 'flotilla-web-'));
    mkdirSync(path.join(webRoot, 'dashboard'));
    writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>join</title>');
    writeFileSync(path.join(webRoot, 'dashboard', 'index.html'), '<!doctype html><title>dashboard</title>');
    coordinator = await startTestCoordinator({ webRoot });
    port = Number(new URL(coordinator.url).port);
    ids.task = await createTask(coordinator.url, smallTask(), false);
    ids.job = (await api<{ id: string }>(coordinator.url, '/api/vertical/jobs', { method: 'POST', body: { algorithm: 'hetero-lr', epochs: 1 } })).body.id;
    operatorRoutes = coordinator.app.routeAccess.filter((r) => r.access === 'operator');
  });
  afterAll(() => coordinator.close());

  it('finds the operator routes in the app, and the open ones where clients expect them', () => {
    const names = operatorRoutes.map((r) => `${r.method} ${r.url}`);
    for (const name of ['GET /api/tasks', 'POST /api/tasks', 'GET /api/clients', 'GET /metrics', 'GET /api/events', 'GET /api/vertical/jobs', 'POST /api/tasks/:id/:action']) {
      expect(names).toContain(name);
    }
    const open = coordinator.app.routeAccess.filter((r) => r.access !== 'operator').map((r) => `${r.method} ${r.url}`);
    for (const name of ['GET /ws', 'GET /healthz', 'GET /*', 'GET /dashboard', 'GET /api/tasks/:id/models/:version/weights.frame', 'GET /api/simulation/tasks/:id/partitions/:index', 'GET /vertical/ws', 'GET /vertical/jobs/:id/tables/:role']) {
      expect(open).toContain(name);
    }
  });

  it('serves the web pages, liveness and what clients fetch without the token', async () => {
    const open = ['/', '/index.html', '/dashboard', '/healthz', `/api/tasks/${ids.task}/models/0/weights.frame`, `/api/tasks/${ids.task}/models/latest/weights.frame`];

    const answers = await pooled(open, 4, async (target) => ({ target, status: (await rawRequest(port, 'GET', target)).status }));

    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  });

  it('refuses every spelling of every operator route without the token, with no data in the answer', async () => {
    const cases = operatorRoutes.flatMap((r) => spellings(fill(r.url), port).map((target) => ({ method: r.method, target })));
    const secrets = [ids.task!, ids.job!, 'flotilla_'];

    const answers = await pooled(cases, 8, async (c) => ({ ...c, response: await rawRequest(port, c.method, c.target) }));

    const leaks = answers.filter((a) => !refusedWithoutData(a.response, a.method, secrets))
      .map((a) => `${a.method} ${a.target} → ${a.response.status} ${a.response.body.slice(0, 80)}`);
    expect(leaks).toEqual([]);
    expect(cases.length).toBeGreaterThan(1000);
    console.log(`operator routes: ${operatorRoutes.length}, spellings tried without the token: ${cases.length}, answered with data: ${leaks.length}`);
  });

  it('answers an unknown path and an undecodable one with coded errors, and an unknown /api path with 401', async () => {
    const missing = await rawRequest(port, 'GET', '/healthz/nothing-here');
    const undecodable = await rawRequest(port, 'GET', '/api/%C0%AFtasks');
    const unknownApi = await rawRequest(port, 'GET', '/api/nothing-here');

    expect([missing.status, JSON.parse(missing.body).code]).toEqual([404, ErrorCodes.NOT_FOUND]);
    expect([undecodable.status, JSON.parse(undecodable.body).code]).toEqual([400, ErrorCodes.BAD_REQUEST_TARGET]);
    expect([unknownApi.status, JSON.parse(unknownApi.body).code]).toEqual([401, ErrorCodes.UNAUTHORIZED]);
  });

  it('refuses HEAD, OPTIONS and other methods on every operator path without the token', async () => {
    const paths = [...new Set(operatorRoutes.map((r) => fill(r.url)))];
    const cases = paths.flatMap((target) => ['HEAD', 'OPTIONS', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH'].map((method) => ({ method, target })));

    const answers = await pooled(cases, 8, async (c) => ({ ...c, response: await rawRequest(port, c.method, c.target) }));

    expect(answers.filter((a) => a.response.status !== 401).map((a) => `${a.method} ${a.target} → ${a.response.status}`)).toEqual([]);
  });

  it('takes ?access_token= on the event stream only, and never in place of the header elsewhere', async () => {
    const answers = await pooled(operatorRoutes.filter((r) => r.url !== '/api/events'), 8, async (r) =>
      rawRequest(port, r.method, `${fill(r.url)}?access_token=${TEST_OPERATOR_TOKEN}`));
    expect(answers.map((a) => a.status).filter((s) => s !== 401)).toEqual([]);
  });

  it('answers the normal spelling with the token', async () => {
    const gets = operatorRoutes.filter((r) => r.method === 'GET' && r.url !== '/api/events');
    const answers = await pooled(gets, 4, async (r) => {
      const response = await fetch(`${coordinator.url}${fill(r.url)}${QUERIES[r.url] ?? ''}`, { headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } });
      await response.arrayBuffer();
      return { url: r.url, status: response.status };
    });
    // Round 1 of a task that never ran does not exist; everything else answers.
    expect(answers.filter((a) => a.status !== 200)).toEqual([{ url: '/api/tasks/:id/rounds/:round', status: 404 }]);
  });
});
