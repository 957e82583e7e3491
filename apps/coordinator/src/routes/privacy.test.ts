// The noise-multiplier helper over a real socket: the operator's answer for a target ε, coded 400s
// on bad or unreachable input, the operator token, and its place in the OpenAPI schema.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RdpAccountant } from '@flotilla/privacy';
import { ErrorCodes } from '@flotilla/protocol';
import { buildApp } from '../app.ts';

const TOKEN = 'operator-secret-token';

describe('GET /api/privacy/noise-multiplier', () => {
  let app: FastifyInstance;
  let base: string;
  const get = async (query: string, token: string | null = TOKEN) => {
    const response = await fetch(`${base}/api/privacy/noise-multiplier?${query}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    return { status: response.status, body: await response.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    app = await buildApp({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'flotilla-privacy-')), operatorToken: TOKEN });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  it('answers the noise multiplier for a target ε and the ε it reaches', async () => {
    const { status, body } = await get('targetEpsilon=1&delta=1e-5&sampleRate=0.01&rounds=1000');

    expect(status).toBe(200);
    // The same search as Opacus's get_noise_multiplier (see the accountant's reference test).
    expect(body.noiseMultiplier).toBe(1.5234375);
    const epsilon = new RdpAccountant([{ noiseMultiplier: 1.5234375, sampleRate: 0.01, steps: 1000 }]).getEpsilon(1e-5);
    expect(body.epsilon).toBeCloseTo(epsilon, 9);
    expect(body.epsilon).toBeLessThanOrEqual(1);
    expect(body.epsilon).toBeGreaterThan(0.99);
    expect(body).toMatchObject({ targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, rounds: 1000 });
  });

  it('refuses bad input and an unreachable budget with coded 400s, and needs the operator token', async () => {
    for (const query of ['delta=1e-5&sampleRate=0.01&rounds=10', 'targetEpsilon=1&delta=2&sampleRate=0.01&rounds=10',
      'targetEpsilon=-1&delta=1e-5&sampleRate=0.01&rounds=10', 'targetEpsilon=1&delta=1e-5&sampleRate=0.01&rounds=0.5',
      'targetEpsilon=abc&delta=1e-5&sampleRate=0.01&rounds=10']) {
      const { status, body } = await get(query);
      expect(status, query).toBe(400);
      expect(body.code, query).toBe(ErrorCodes.SCHEMA_VIOLATION);
    }
    const unreachable = await get('targetEpsilon=0.05&delta=1e-5&sampleRate=0.01&rounds=10');
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.code).toBe(ErrorCodes.PRIVACY_UNREACHABLE);
    expect(unreachable.body.message).toMatch(/out of reach/);
    expect((await get('targetEpsilon=1&delta=1e-5&sampleRate=0.01&rounds=10', null)).status).toBe(401);
    // The coordinator still answers after the refusals.
    expect((await get('targetEpsilon=8&delta=1e-5&sampleRate=1&rounds=5')).status).toBe(200);
  });

  it('is described in the OpenAPI schema', async () => {
    const openapi = await (await fetch(`${base}/api/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const parameters = openapi.paths['/api/privacy/noise-multiplier']?.get?.parameters?.map((p) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(['targetEpsilon', 'delta', 'sampleRate', 'rounds']));
  });
});
