// Property tests of the client and server message parsers: whatever arrives, the answer is a
// message of a known type that passes its schema, or a FlotillaError with a stable code.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { encodeFrame, encodeWordsFrame } from './frame.ts';
import { PROTOCOL_VERSION } from './messages.ts';
import { parseClientMessage, parseServerMessage } from './validate.ts';

const CODES = new Set<string>(Object.values(ErrorCodes));
const CLIENT_TYPES = ['hello', 'heartbeat', 'update', 'fit.failed', 'progress', 'secagg.advertise', 'secagg.shares', 'secagg.masked', 'secagg.reveal'];
const SERVER_TYPES = ['welcome', 'round.plan', 'round.end', 'update.ack', 'error', 'secagg.keys', 'secagg.deliver', 'secagg.unmask'];
/** Names an object literal inherits: a table lookup keyed by untrusted text must not find them. */
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__'];

type Outcome = { ok: true; type: string } | { ok: false; code: string };
const outcome = (parse: () => { message: { type: string } }): Outcome => {
  try {
    return { ok: true, type: parse().message.type };
  } catch (err) {
    if (!(err instanceof FlotillaError)) throw err;
    return { ok: false, code: err.code };
  }
};
const coded = (o: Outcome) => o.ok || CODES.has(o.code);

/** Anything JSON can say, with message-like keys and types mixed in so generated objects get past the first checks. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53, 0.5, '', 'x'.repeat(300)),
    fc.double(), fc.integer(), fc.string(),
    fc.constantFrom(...CLIENT_TYPES, ...SERVER_TYPES, ...INHERITED),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.constantFrom('type', 'taskId', 'round', 'device', 'kind', 'capabilities', 'protocolVersion', 'codecs', 'metrics', ...INHERITED, 'x'), tie('value'), { maxKeys: 6 }),
}));
const messageLike = fc.record({ type: fc.constantFrom(...CLIENT_TYPES, ...SERVER_TYPES, ...INHERITED) }).chain((head) =>
  jsonish.object.map((rest) => ({ ...rest, type: head.type })));

describe('parseClientMessage / parseServerMessage properties', () => {
  it('answer random bytes, as text or as a binary frame, with a message or a coded error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, binary) => {
      expect(coded(outcome(() => parseClientMessage(bytes, binary)))).toBe(true);
      expect(coded(outcome(() => parseServerMessage(bytes, binary)))).toBe(true);
    }), { numRuns: 2000 });
  });

  it('answer any JSON text, including messages with inherited names as types, with a message or a coded error', () => {
    fc.assert(fc.property(fc.oneof(jsonish.value, messageLike), (value) => {
      const text = JSON.stringify(value) ?? 'null';
      const client = outcome(() => parseClientMessage(text, false));
      const server = outcome(() => parseServerMessage(text, false));
      expect(coded(client)).toBe(true);
      expect(coded(server)).toBe(true);
      if (client.ok) expect(CLIENT_TYPES).toContain(client.type);
      if (server.ok) expect(SERVER_TYPES).toContain(server.type);
    }), { numRuns: 2000 });
  });

  it('answer any message header inside a binary frame (tensors or words) with a message or a coded error', () => {
    fc.assert(fc.property(messageLike, fc.boolean(), fc.integer({ min: 0, max: 8 }), (message, words, n) => {
      const frame = words ? encodeWordsFrame(message, new Uint32Array(n)) : encodeFrame(message, [{ shape: [n], values: new Float32Array(n) }]);
      const parsed = outcome(() => parseClientMessage(frame, true));
      expect(coded(parsed)).toBe(true);
      if (parsed.ok) expect(['update', 'secagg.masked']).toContain(parsed.type);
    }), { numRuns: 1500 });
  });

  it('parse every well-formed hello back to itself', () => {
    const hello = fc.record({
      type: fc.constant('hello' as const),
      protocolVersion: fc.constant(PROTOCOL_VERSION),
      kind: fc.constantFrom('node' as const, 'browser' as const),
      clientId: fc.option(fc.string({ minLength: 1, maxLength: 128 }), { nil: undefined }),
      numExamples: fc.option(fc.nat(), { nil: undefined }),
      device: fc.record({ backend: fc.string({ maxLength: 32 }) }),
      capabilities: fc.record({ codecs: fc.array(fc.string({ maxLength: 32 }), { maxLength: 16 }) }),
    }).map((h) => JSON.parse(JSON.stringify(h)) as Record<string, unknown>);
    fc.assert(fc.property(hello, (h) => {
      expect(parseClientMessage(JSON.stringify(h), false).message).toEqual(h);
    }), { numRuns: 500 });
  });

  it('refuse a message whose type is an inherited property name as an unknown type', () => {
    for (const type of INHERITED) {
      expect(outcome(() => parseClientMessage(JSON.stringify({ type }), false))).toEqual({ ok: false, code: ErrorCodes.UNKNOWN_TYPE });
    }
  });
});
