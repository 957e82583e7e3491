// The REST contract: every operator route declares what it answers, a response that breaks its
// schema is a coded 500 instead of reaching the client, and POST /api/tasks refuses unknown fields
// and is documented with the task configuration's fields and defaults.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorCodes } from '@flotilla/protocol';
import { buildApp } from '../app.ts';

const TOKEN = 'contract-test-operator-token';
const auth = { authorization: `Bearer ${TOKEN}` };
/** A route whose handler breaks its declared view, as a programming error would. */
const Named = Type.Object({ name: Type.String() });
const dataDir = () => mkdtempSync(path.join(os.tmpdir(), 'flotilla-contract-'));

describe('response contract', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await buildApp({ dataDir: dataDir(), operatorToken: TOKEN, strictResponses: true });
    app.get('/api/contract-test/broken', { schema: { response: { 200: Named } } }, async () => ({ name: 7, id: 'task-1' }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('gives every operator route, and every other route under /api, a success response schema and the coded error body', () => {
    const operator = app.routeAccess.filter((r) => r.access === 'operator');
    const api = app.routeAccess.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');
    expect(operator.length).toBeGreaterThan(20);

    const undeclared = [...new Set([...operator, ...api])].filter((r) => !r.responses.some((status) => /^2/.test(status))).map((r) => `${r.method} ${r.url}`);

    expect(undeclared).toEqual([]);
    const tasks = app.routeAccess.find((r) => r.method === 'GET' && r.url === '/api/tasks')!;
    expect(tasks.responses).toEqual(expect.arrayContaining(['200', '4xx', '5xx']));
  });

  it('answers a response that violates its schema with a 500 FLT_INTERNAL naming the field, never the bad body', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/contract-test/broken', headers: auth });

    expect(response.statusCode).toBe(500);
    const body = response.json() as { code: string; message: string };
    expect(body.code).toBe(ErrorCodes.INTERNAL);
    expect(body.message).toMatch(/GET \/api\/contract-test\/broken \(200\) violates its schema at \/name/);
    expect(response.body).not.toContain('task-1');
  });

  it('refuses unknown top-level task fields with FLT_INVALID_TASK and stores nothing', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/tasks', headers: auth, payload: { name: 'typo', strategies: { name: 'fedprox' } } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('"strategies"') });
    const list = await app.inject({ method: 'GET', url: '/api/tasks', headers: auth });
    expect((list.json() as { tasks: { name: string }[] }).tasks.map((t) => t.name)).not.toContain('typo');
  });

  it('reads ?start= as a boolean and refuses anything else with FLT_SCHEMA_VIOLATION', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/tasks?start=false', headers: auth, payload: { name: 'not started', baseline: { enabled: false } } });
    const refused = await app.inject({ method: 'POST', url: '/api/tasks?start=maybe', headers: auth, payload: { name: 'refused' } });

    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'not started', state: 'created' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: ErrorCodes.SCHEMA_VIOLATION });
  });

  it('keeps refusing bad values with resolveTaskConfig\'s coded message', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/tasks', headers: auth, payload: { fit: { learningRate: 'fast' } } });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('/fit/learningRate') });
  });

  it('documents the task configuration with its fields and defaults in OpenAPI', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/openapi.json', headers: auth })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, unknown> }>>;
    };
    interface Schema { properties?: Record<string, Schema>; anyOf?: Schema[]; default?: unknown; additionalProperties?: boolean }

    const body = document.paths['/api/tasks']!.post!.requestBody!.content['application/json']!.schema;
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties!)).toEqual(expect.arrayContaining(['name', 'model', 'data', 'strategy', 'fit', 'stop', 'privacy', 'seed']));
    const fit = body.properties!.fit!.anyOf!.find((s) => s.properties)!;
    expect(fit.properties!.fractionFit!.default).toBe(0.1);
    expect(fit.properties!.batchSize!.default).toBe(10);
    expect(document.paths['/api/tasks']!.get!.responses).toHaveProperty('200');
    expect(document.paths['/api/tasks/{id}/rounds/{round}']!.get!.responses).toHaveProperty('4XX');
  });
});

describe('lenient responses (a deployed coordinator)', () => {
  it('sends a response that violates its schema as it is, and logs the violation', async () => {
    const logged: string[] = [];
    const app = await buildApp({
      dataDir: dataDir(), operatorToken: TOKEN, strictResponses: false,
      logger: { level: 'error', stream: { write: (line: string) => logged.push(line) } },
    });
    app.get('/api/contract-test/broken', { schema: { response: { 200: Named } } }, async () => ({ name: 7, id: 'task-1' }));

    const response = await app.inject({ method: 'GET', url: '/api/contract-test/broken', headers: auth });
    await app.close();

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 7, id: 'task-1' });
    expect(logged.join('')).toMatch(/violates its schema at \/name/);
  });
});
