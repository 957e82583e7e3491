// Property tests of task creation's body: any JSON, including near-valid configurations with
// absurd values, resolves to a configuration that passes the TaskConfig schema or is refused with
// FLT_INVALID_TASK; and over HTTP it is answered 201 or 400 with that code, never 500.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, FlotillaError, TaskConfig } from '@flotilla/protocol';
import { buildApp } from '../app.ts';
import { operatorHeaders } from '../testing/harness.ts';
import { absurdNumber } from '../testing/wireArbitraries.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const checkConfig = TypeCompiler.Compile(TaskConfig);
const REFUSALS = [ErrorCodes.INVALID_TASK, ErrorCodes.SCHEMA_VIOLATION, ErrorCodes.PRIVACY_UNREACHABLE];

const value = fc.oneof(absurdNumber, fc.constantFrom(null, true, '', 'iid', 'shards', 'dirichlet', 'fedavg', 'fedprox', 'krum', 'mnist-cnn', 'logreg', 'constructor', [], {}), fc.string({ maxLength: 12 }));
/** A configuration of the right outline whose leaves are anything. */
const nearValid = fc.record({
  name: fc.oneof(fc.string({ maxLength: 220 }), value),
  model: fc.record({ kind: value }, { requiredKeys: [] }),
  data: fc.record({ partition: fc.record({ kind: value, numClients: value, seed: value, alpha: value, shardsPerClient: value, examplesPerClient: value }, { requiredKeys: [] }), testLimit: value }, { requiredKeys: [] }),
  strategy: fc.record({ name: value, serverLearningRate: value, f: value }, { requiredKeys: [] }),
  fit: fc.record({ fractionFit: value, minFitClients: value, minAvailableClients: value, epochs: value, batchSize: value, learningRate: value, proximalMu: value, overSelection: value }, { requiredKeys: [] }),
  stop: fc.record({ maxRounds: value, targetAccuracy: value, roundDeadlineMs: value, minReports: value }, { requiredKeys: [] }),
  limits: fc.record({ maxUpdateNorm: value }, { requiredKeys: [] }),
  baseline: fc.record({ enabled: value }, { requiredKeys: [] }),
  privacy: fc.record({
    differentialPrivacy: fc.record({ enabled: value, clippingNorm: value, noiseMultiplier: value, delta: value, targetEpsilon: value }, { requiredKeys: [] }),
    secureAggregation: fc.record({ enabled: value, mode: value, neighbours: value, threshold: value, clip: value }, { requiredKeys: [] }),
  }, { requiredKeys: [] }),
  seed: value,
}, { requiredKeys: [] });
/** Small valid changes, so that creation itself is exercised too, not only refusals. */
const plausible = fc.record({
  name: fc.string({ minLength: 1, maxLength: 50 }).filter((n) => n.trim().length > 0),
  fit: fc.record({ learningRate: fc.double({ min: 0.001, max: 1, noNaN: true }), batchSize: fc.integer({ min: 1, max: 64 }) }, { requiredKeys: [] }),
  stop: fc.record({ maxRounds: fc.integer({ min: 1, max: 100 }) }, { requiredKeys: [] }),
}, { requiredKeys: [] });
const body = fc.oneof({ weight: 3, arbitrary: nearValid }, { weight: 1, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: plausible });

describe('task creation body properties', () => {
  it('resolves any body to a configuration its schema accepts, or refuses it with a coded error', () => {
    fc.assert(fc.property(body, (input) => {
      try {
        expect(checkConfig.Check(resolveTaskConfig(JSON.parse(JSON.stringify(input ?? null))))).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(FlotillaError);
        expect(REFUSALS).toContain((err as FlotillaError).code);
      }
    }), { numRuns: 2000 });
  });

  describe('over HTTP', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await buildApp({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'flotilla-task-fuzz-')), operatorToken: 'task-fuzz-operator-token-0123' });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers any body 201 or 400 with a coded refusal, never 500', async () => {
      const raw = fc.oneof(body.map((b) => JSON.stringify(b ?? null)), fc.string({ maxLength: 100 }));
      const statuses = new Map<number, number>();
      await fc.assert(fc.asyncProperty(raw, async (payload) => {
        const res = await app.inject({
          method: 'POST', url: '/api/tasks', payload,
          headers: { ...operatorHeaders('task-fuzz-operator-token-0123'), 'content-type': 'application/json' },
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode === 201) return;
        expect(res.statusCode).toBe(400);
        expect(REFUSALS).toContain(res.json<{ code: string }>().code);
      }), { numRuns: 200 });
      process.stdout.write(`task creation fuzzing: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')}\n`);
      expect(statuses.get(201)).toBeGreaterThan(0);
    }, 60_000);
  });
});
