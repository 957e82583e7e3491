import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { encodeFrame } from './frame.ts';
import { PROTOCOL_VERSION } from './messages.ts';
import { parseClientMessage, parseServerMessage } from './validate.ts';

const hello = {
  type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node',
  device: { backend: 'wasm' }, capabilities: { codecs: ['float32'] },
};
const update = {
  type: 'update', taskId: 't1', round: 2, modelVersion: 1, numExamples: 600,
  metrics: { loss: 0.3, accuracy: 0.9, trainMs: 120 },
};

function failure(fn: () => unknown): FlotillaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FlotillaError) return err;
    throw err;
  }
  throw new Error('expected a FlotillaError');
}

describe('parseClientMessage', () => {
  it('accepts a valid hello and a binary update with its tensors', () => {
    expect(parseClientMessage(JSON.stringify(hello), false).message).toEqual(hello);
    const parsed = parseClientMessage(encodeFrame(update, [{ shape: [2], values: new Float32Array([1, 2]) }]), true);
    expect(parsed.message).toEqual(update);
    expect(Array.from(parsed.tensors[0]!.values)).toEqual([1, 2]);
  });

  it('answers each kind of bad input with its own code', () => {
    expect(failure(() => parseClientMessage('{not json', false)).code).toBe(ErrorCodes.MALFORMED_JSON);
    expect(failure(() => parseClientMessage('{"type":"launch"}', false)).code).toBe(ErrorCodes.UNKNOWN_TYPE);
    expect(failure(() => parseClientMessage('[1,2]', false)).code).toBe(ErrorCodes.UNKNOWN_TYPE);
    const badHello = failure(() => parseClientMessage(JSON.stringify({ ...hello, kind: 'toaster' }), false));
    expect(badHello.code).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(badHello.message).toContain('/kind');
    const extra = failure(() => parseClientMessage(JSON.stringify({ ...hello, admin: true }), false));
    expect(extra.code).toBe(ErrorCodes.SCHEMA_VIOLATION);
    const negative = failure(() => parseClientMessage(encodeFrame({ ...update, numExamples: -1 }, []), true));
    expect(negative.code).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(failure(() => parseClientMessage(new Uint8Array([1, 2, 3]), true)).code).toBe(ErrorCodes.MALFORMED_FRAME);
  });

  it('insists that updates travel as binary frames and control messages as text', () => {
    expect(failure(() => parseClientMessage(JSON.stringify(update), false)).code).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(failure(() => parseClientMessage(encodeFrame(hello, []), true)).code).toBe(ErrorCodes.SCHEMA_VIOLATION);
  });

  it('marks parse failures as fatal so the connection is closed', () => {
    expect(failure(() => parseClientMessage('nope', false)).fatal).toBe(true);
  });
});

describe('parseServerMessage', () => {
  it('validates what clients receive too', () => {
    const ack = { type: 'update.ack', taskId: 't1', round: 4 };
    expect(parseServerMessage(JSON.stringify(ack), false).message).toEqual(ack);
    expect(failure(() => parseServerMessage(JSON.stringify({ type: 'update.ack', taskId: 't1' }), false)).code).toBe(ErrorCodes.SCHEMA_VIOLATION);
  });

  it('reads a client\'s contribution standing, and refuses one without its rank', () => {
    const standing = { type: 'standing', taskId: 't1', round: 3, value: 0.02, cumulative: 0.05, rank: 2, of: 5, share: 0.3, reward: 30 };
    expect(parseServerMessage(JSON.stringify(standing), false).message).toEqual(standing);
    const { rank: _rank, ...unranked } = standing;
    expect(failure(() => parseServerMessage(JSON.stringify(unranked), false)).code).toBe(ErrorCodes.SCHEMA_VIOLATION);
  });
});
