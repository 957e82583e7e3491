// Property tests of the vertical relay's envelope reader: any text gives an envelope that names
// another role of the job and a payload of its algorithm, or a coded error; nothing else.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { isPayloadTypeOf, verticalRoles, type VerticalAlgorithm, type VerticalRole } from '@flotilla/vertical';
import { readPartyEnvelope, type EnvelopeContext } from './partyEnvelope.ts';

const TYPES = ['vertical.relay', 'vertical.report', 'vertical.done', 'vertical.failed', 'constructor', 'toString', '__proto__'];
const context: fc.Arbitrary<EnvelopeContext> = fc.integer({ min: 1, max: 4 }).chain((hosts) => {
  const roles = verticalRoles(hosts);
  return fc.record({ roles: fc.constant(roles), self: fc.constantFrom(...roles), algorithm: fc.constantFrom<VerticalAlgorithm>('hetero-lr', 'split-nn') });
});
const anyValue = fc.oneof(fc.jsonValue(), fc.constantFrom(null, [], {}, 'guest', 'host-2', 'arbiter', 'host-9', '__proto__'));
const payload = fc.oneof(anyValue, fc.record({ type: fc.oneof(fc.constantFrom('psi.blinded', 'hetero-lr.gradient', 'split-nn.activations', 'hetero-lr', 'psi', 'toString'), fc.string()) }));
const envelope = fc.record({
  type: fc.constantFrom(...TYPES), to: anyValue, payload, report: anyValue, code: anyValue, message: anyValue,
}, { requiredKeys: [] });

describe('readPartyEnvelope properties', () => {
  it('reads any text as a well-formed envelope or refuses it with a coded error', () => {
    const text = fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)), envelope.map((e) => JSON.stringify(e)));
    fc.assert(fc.property(text, context, (data, ctx) => {
      let read;
      try {
        read = readPartyEnvelope(data, ctx);
      } catch (err) {
        expect(err).toBeInstanceOf(FlotillaError);
        expect([ErrorCodes.MALFORMED_JSON, ErrorCodes.UNKNOWN_TYPE, ErrorCodes.SCHEMA_VIOLATION]).toContain((err as FlotillaError).code);
        return;
      }
      if (read.type === 'vertical.relay') {
        expect(ctx.roles).toContain(read.to);
        expect(read.to).not.toBe(ctx.self);
        expect(isPayloadTypeOf(ctx.algorithm, read.payload.type)).toBe(true);
      }
      if (read.type === 'vertical.failed') {
        expect(read.code.length).toBeLessThanOrEqual(64);
        expect(read.message.length).toBeLessThanOrEqual(500);
      }
    }), { numRuns: 2000 });
  });

  it('relays a well-formed envelope to the role it names, payload untouched', () => {
    fc.assert(fc.property(context, fc.jsonValue(), (ctx, body) => {
      const to = ctx.roles.find((r) => r !== ctx.self) as VerticalRole;
      const sent = { type: `${ctx.algorithm}.message`, body };
      const read = readPartyEnvelope(JSON.stringify({ type: 'vertical.relay', to, payload: sent }), ctx);
      expect(read).toEqual({ type: 'vertical.relay', to, payload: JSON.parse(JSON.stringify(sent)) });
    }), { numRuns: 300 });
  });
});
