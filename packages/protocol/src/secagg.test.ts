import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from './errors.ts';
import { encodeFrame, encodeWordsFrame } from './frame.ts';
import { fromBase64, toBase64 } from './secagg.ts';
import { parseClientMessage, parseServerMessage } from './validate.ts';

const masked = { type: 'secagg.masked', taskId: 't1', round: 4, modelVersion: 3 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FlotillaError) return err.code;
    throw err;
  }
  throw new Error('expected a FlotillaError');
}

describe('secure-aggregation messages', () => {
  it('carries masked words bit-exactly, also from an unaligned buffer', () => {
    // Words whose bit patterns are float NaNs must survive: they are never read as floats.
    const words = new Uint32Array([0, 1, 0x7fa00001, 0xffffffff, 2 ** 31]);
    const frame = encodeWordsFrame(masked, words);
    const shifted = new Uint8Array(frame.byteLength + 1).subarray(1);
    shifted.set(frame);
    const parsed = parseClientMessage(shifted, true);
    expect(parsed.message).toEqual(masked);
    expect([...parsed.words!]).toEqual([...words]);
  });

  it('refuses a masked input without words, words on an update, and a masked input as text', () => {
    expect(code(() => parseClientMessage(encodeFrame(masked, []), true))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    const update = { type: 'update', taskId: 't1', round: 1, modelVersion: 0, numExamples: 5, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } };
    expect(code(() => parseClientMessage(encodeWordsFrame(update, new Uint32Array(2)), true))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(code(() => parseClientMessage(JSON.stringify(masked), false))).toBe(ErrorCodes.SCHEMA_VIOLATION);
  });

  it('refuses a words count that runs past the frame', () => {
    const frame = encodeWordsFrame(masked, new Uint32Array(4));
    expect(code(() => parseClientMessage(frame.subarray(0, frame.byteLength - 8), true))).toBe(ErrorCodes.MALFORMED_FRAME);
  });

  it('validates keys, boxes and party numbers', () => {
    const key = toBase64(new Uint8Array(32).fill(7));
    const advertise = { type: 'secagg.advertise', taskId: 't1', round: 1, encryptionPublicKey: key, maskingPublicKey: key };
    expect(parseClientMessage(JSON.stringify(advertise), false).message).toEqual(advertise);
    expect(code(() => parseClientMessage(JSON.stringify({ ...advertise, maskingPublicKey: 'not base64!' }), false))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(code(() => parseClientMessage(JSON.stringify({ ...advertise, maskingPublicKey: toBase64(new Uint8Array(64)) }), false))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    const shares = { type: 'secagg.shares', taskId: 't1', round: 1, shares: [{ to: 0, ciphertext: toBase64(new Uint8Array(102)) }] };
    expect(code(() => parseClientMessage(JSON.stringify(shares), false))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    const unmask = { type: 'secagg.unmask', taskId: 't1', round: 1, survivors: [1, 2, 3] };
    expect(parseServerMessage(JSON.stringify(unmask), false).message).toEqual(unmask);
  });

  it('round-trips base64', () => {
    const bytes = Uint8Array.from({ length: 33 }, (_, i) => (i * 37) & 0xff);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect([...fromBase64(toBase64(bytes))]).toEqual([...bytes]);
  });
});
