// fast-check generators of what a hostile or broken client sends on /ws: random bytes, mutated
// valid frames, valid JSON of the wrong shape, hellos with absurd values, updates for stale rounds
// and secure-aggregation messages out of order. Used by the socket fuzz test.

import fc from 'fast-check';
import { PROTOCOL_VERSION, encodeFrame, encodeWordsFrame, toBase64 } from '@flotilla/protocol';

/** One WebSocket frame as sent. */
export interface WireFrame {
  data: string | Uint8Array;
  binary: boolean;
  kind: string;
}

/** What the generators aim at: the running tasks and their round in flight. */
export interface FuzzTargets {
  taskIds: string[];
  round: number;
  modelVersion: number;
}

const CLIENT_TYPES = ['hello', 'heartbeat', 'update', 'fit.failed', 'progress', 'evaluation', 'evaluate.failed', 'secagg.advertise', 'secagg.shares', 'secagg.masked', 'secagg.reveal'];
const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** Numbers a schema may let through and a handler must still survive. */
export const absurdNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, -0, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 1e-320),
  fc.integer(), fc.double({ noNaN: true }),
);

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, '', 'x'.repeat(200)), absurdNumber, fc.string({ maxLength: 40 }),
    fc.constantFrom(...CLIENT_TYPES, ...INHERITED),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(
    fc.constantFrom('type', 'taskId', 'round', 'modelVersion', 'device', 'kind', 'capabilities', 'protocolVersion', 'numExamples', 'metrics', 'shares', ...INHERITED),
    tie('value'), { maxKeys: 6 },
  ),
}));

const text = (value: unknown, kind: string): WireFrame => ({ data: JSON.stringify(value) ?? 'null', binary: false, kind });
const binary = (data: Uint8Array, kind: string): WireFrame => ({ data, binary: true, kind });

function mutate(frame: Uint8Array, edits: { at: number; value: number }[], cut: number | null): Uint8Array {
  const out = Uint8Array.from(frame);
  for (const e of edits) out[e.at % out.length] = e.value;
  return cut === null ? out : out.subarray(0, cut % (out.length + 1));
}

/** Every kind of frame, aimed at the given tasks and round. */
export function wireFrame(t: FuzzTargets): fc.Arbitrary<WireFrame> {
  const taskId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...t.taskIds) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) });
  const round = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: Math.max(0, t.round - 2), max: t.round + 2 }) }, { weight: 1, arbitrary: fc.nat() });
  const modelVersion = fc.oneof(fc.constant(t.modelVersion), fc.nat());
  const metrics = fc.record({ loss: fc.double(), accuracy: fc.double({ min: 0, max: 1, noNaN: true }), trainMs: fc.double({ min: 0, noNaN: true }) });
  const values = fc.float32Array({ maxLength: 16 });
  const update = fc.record({ type: fc.constant('update'), taskId, round, modelVersion, numExamples: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.nat(), fc.constant(2 ** 40)), metrics });
  const tensors = fc.array(values.map((v) => ({ shape: [v.length], values: v })), { maxLength: 3 });
  const b64 = (bytes: number) => fc.uint8Array({ maxLength: bytes }).map(toBase64);
  const party = fc.integer({ min: 1, max: 2 ** 31 - 1 });
  const revealed = fc.array(fc.record({ of: fc.oneof(party, fc.integer({ min: 1, max: 5 })), share: b64(33) }), { maxLength: 4 });

  return fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => binary(b, 'random bytes')) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => ({ data: s, binary: false, kind: 'random text' })) },
    { weight: 2, arbitrary: fc.oneof(jsonValue.value, fc.tuple(fc.constantFrom(...CLIENT_TYPES, ...INHERITED), jsonValue.object).map(([type, rest]) => ({ ...rest, type })))
      .map((v) => text(v, 'JSON of the wrong shape')) },
    { weight: 2, arbitrary: fc.record({
      type: fc.constant('hello'), protocolVersion: fc.oneof(fc.constant(PROTOCOL_VERSION), absurdNumber), kind: fc.constantFrom('node', 'browser'),
      clientId: fc.string({ minLength: 1, maxLength: 128 }), resumeToken: fc.string({ minLength: 16, maxLength: 128 }), taskId,
      partitionIndex: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)), numExamples: fc.oneof(fc.nat(), fc.constant(1e300)),
      device: fc.record({ backend: fc.string({ maxLength: 32 }), examplesPerSec: fc.oneof(fc.constant(1e308), fc.double({ min: 0, noNaN: true })) }),
      capabilities: fc.record({ codecs: fc.array(fc.constantFrom('float32', 'int8', 'constructor'), { maxLength: 16 }) }),
    }, { requiredKeys: ['type', 'protocolVersion', 'kind', 'device', 'capabilities'] }).map((h) => text(h, 'hello with absurd values')) },
    { weight: 10, arbitrary: fc.tuple(update, tensors).map(([u, ts]) => binary(encodeFrame(u, ts), 'update for a stale round')) },
    { weight: 2, arbitrary: fc.tuple(update, tensors, fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()))
      .map(([u, ts, edits, cut]) => binary(mutate(encodeFrame(u, ts), edits, cut), 'mutated update frame')) },
    { weight: 8, arbitrary: fc.oneof(
      fc.record({ type: fc.constant('secagg.advertise'), taskId, round, encryptionPublicKey: b64(32), maskingPublicKey: b64(32) }).map((m) => text(m, 'secagg out of order')),
      fc.record({ type: fc.constant('secagg.shares'), taskId, round, shares: fc.array(fc.record({ to: party, ciphertext: b64(128) }), { maxLength: 4 }) }).map((m) => text(m, 'secagg out of order')),
      fc.record({ type: fc.constant('secagg.reveal'), taskId, round, selfMaskShares: revealed, secretKeyShares: revealed }).map((m) => text(m, 'secagg out of order')),
      fc.tuple(fc.record({ type: fc.constant('secagg.masked'), taskId, round, modelVersion }), fc.uint32Array({ maxLength: 32 }))
        .map(([m, w]) => binary(encodeWordsFrame(m, w), 'secagg out of order')),
    ) },
    { weight: 4, arbitrary: fc.oneof(
      fc.constant({ type: 'heartbeat' }),
      fc.record({ type: fc.constant('progress'), taskId, round, epoch: fc.nat(), epochs: fc.nat(), batch: fc.nat(), batches: fc.nat(), loss: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
      fc.record({ type: fc.constant('fit.failed'), taskId, round, code: fc.string({ maxLength: 64 }), message: fc.string({ maxLength: 200 }) }),
      fc.record({ type: fc.constant('evaluate.failed'), taskId, round, code: fc.string({ maxLength: 64 }), message: fc.string({ maxLength: 200 }) }),
    ).map((m) => text(m, 'well-formed chatter')) },
    { weight: 2, arbitrary: fc.record({
      type: fc.constant('evaluation'), taskId, round, modelVersion, numExamples: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(2 ** 40)),
      metrics: fc.record({ loss: fc.double({ min: 0, noNaN: true }), accuracy: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: ['loss'] }),
    }).map((m) => text(m, 'evaluation never asked for')) },
  );
}
