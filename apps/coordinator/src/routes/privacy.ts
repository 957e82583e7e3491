// Privacy helpers for operators: the noise multiplier that meets a target ε (Opacus's
// get_noise_multiplier), to fill in a DP task before creating it.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { findNoiseMultiplier, isPrivacyError, RdpAccountant } from '@flotilla/privacy';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';

const Query = Type.Object({
  targetEpsilon: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
  delta: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
  /** Fraction of the population (clients, or examples for DP-SGD) that each step samples. */
  sampleRate: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
  /** Steps of the mechanism: rounds for client-level DP, local steps × rounds for DP-SGD. */
  rounds: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
});

const Answer = Type.Object({
  noiseMultiplier: Type.Number(),
  epsilon: Type.Number(),
  targetEpsilon: Type.Number(),
  delta: Type.Number(),
  sampleRate: Type.Number(),
  rounds: Type.Integer(),
});

/**
 * `GET /api/privacy/noise-multiplier?targetEpsilon=&delta=&sampleRate=&rounds=`: the smallest noise
 * multiplier (to 0.01 in ε) whose RDP accounting stays within ε at δ, and the ε it reaches.
 * @example await app.register(privacyRoutes);
 */
export const privacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/privacy/noise-multiplier', {
    schema: {
      summary: 'Noise multiplier that meets a target ε at δ for a number of rounds at a sampling rate (RDP accountant)',
      tags: ['privacy'], querystring: Query, response: { 200: Answer },
    },
  }, async (req) => {
    const { targetEpsilon, delta, sampleRate, rounds } = req.query;
    let noiseMultiplier: number;
    try {
      noiseMultiplier = findNoiseMultiplier({ targetEpsilon, delta, sampleRate, steps: rounds });
    } catch (err) {
      if (isPrivacyError(err)) throw new FlotillaError(ErrorCodes.PRIVACY_UNREACHABLE, err.message);
      throw err;
    }
    const epsilon = new RdpAccountant([{ noiseMultiplier, sampleRate, steps: rounds }]).getEpsilon(delta);
    return { noiseMultiplier, epsilon, targetEpsilon, delta, sampleRate, rounds };
  });
};
