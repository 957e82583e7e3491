import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { Admission, DEFAULT_ADMISSION_LIMITS } from './admission.ts';
import { admitConnection, codedFailure, frameBytes, parseClientFrame } from './clientFrames.ts';

const hello = new TextEncoder().encode(JSON.stringify({ type: 'heartbeat' }));

describe('client frames', () => {
  it('reads the same bytes from a Buffer, its fragments and an ArrayBuffer', () => {
    const buffer = Buffer.from([1, 2, 3, 4]);
    expect([...frameBytes(buffer)]).toEqual([1, 2, 3, 4]);
    expect([...frameBytes([Buffer.from([1, 2]), Buffer.from([3, 4])])]).toEqual([1, 2, 3, 4]);
    expect([...frameBytes(new Uint8Array([1, 2, 3, 4]).buffer)]).toEqual([1, 2, 3, 4]);
  });

  it('refuses a frame over the limit as fatal FLT_FRAME_TOO_LARGE and parses one within it', () => {
    expect(parseClientFrame(hello, false, hello.byteLength).message).toEqual({ type: 'heartbeat' });
    try {
      parseClientFrame(hello, false, hello.byteLength - 1);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FlotillaError);
      expect({ code: (err as FlotillaError).code, fatal: (err as FlotillaError).fatal }).toEqual({ code: ErrorCodes.FRAME_TOO_LARGE, fatal: true });
    }
  });

  it('keeps a coded error as it is and turns anything else into a non-fatal FLT_INTERNAL, logged once', () => {
    const coded = new FlotillaError(ErrorCodes.STALE_ROUND, 'round 3 is closed');
    const logged: unknown[] = [];
    expect(codedFailure(coded, (e) => logged.push(e))).toBe(coded);
    const internal = codedFailure(new Error('secret detail'), (e) => logged.push(e));
    expect({ code: internal.code, fatal: internal.fatal, message: internal.message }).toEqual({ code: ErrorCodes.INTERNAL, fatal: false, message: 'internal error' });
    expect(logged).toHaveLength(1);
  });

  it('admits a connection within the cap and refuses the one over it, with its code, instead of throwing', () => {
    const admission = new Admission({ ...DEFAULT_ADMISSION_LIMITS, maxConnectionsPerAddress: 1 });
    const refused: string[] = [];
    const first = admitConnection(admission, '198.51.100.7', (err) => refused.push(err.code));
    expect(first).not.toBeNull();
    expect(admitConnection(admission, '198.51.100.7', (err) => refused.push(err.code))).toBeNull();
    expect(refused).toEqual([ErrorCodes.TOO_MANY_CONNECTIONS]);
    first!.release();
    expect(admitConnection(admission, '198.51.100.7', (err) => refused.push(err.code))).not.toBeNull();
  });
});
