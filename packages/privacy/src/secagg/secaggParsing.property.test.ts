// Property tests of where secure aggregation decodes bytes a peer controls: share values, share
// box plaintexts, and the server's stage machine fed messages out of order. Whatever arrives, the
// answer is a value of the right shape or a PrivacyError with a stable code, never another error.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrivacyError } from '../PrivacyError.ts';
import { FIELD_BYTES, SHAMIR_PRIME } from '../shamir/field.ts';
import { decodeShareValue, encodeShareValue } from '../shamir/shamir.ts';
import { SHARE_BOX_BYTES, SHARE_PLAINTEXT_BYTES, decodeSharePlaintext, encodeSharePlaintext } from './masking.ts';
import { SecAggServer } from './SecAggServer.ts';

const privacyCode = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof PrivacyError)) throw err;
    return err.code;
  }
};
const fieldElement = fc.bigInt({ min: 0n, max: SHAMIR_PRIME - 1n });
const id = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -2, max: 2 ** 32 }), fc.constantFrom(0, 0.5, Number.NaN, 2 ** 31 - 1));

describe('SecAgg decoding properties', () => {
  it('decodes any 33 bytes below p as a share value, refuses everything else with SECAGG_BAD_SHARE', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: FIELD_BYTES, maxLength: FIELD_BYTES })), (bytes) => {
      const code = privacyCode(() => {
        const y = decodeShareValue(bytes);
        expect(y >= 0n && y < SHAMIR_PRIME).toBe(true);
      });
      if (code !== null) expect(code).toBe('SECAGG_BAD_SHARE');
      if (bytes.length !== FIELD_BYTES) expect(code).toBe('SECAGG_BAD_SHARE');
    }), { numRuns: 1000 });
  });

  it('round-trips share values', () => {
    fc.assert(fc.property(fieldElement, (y) => {
      expect(decodeShareValue(encodeShareValue(y))).toBe(y);
    }), { numRuns: 500 });
  });

  it('opens a share box plaintext only with its length and its sender and recipient', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 90 }), fc.nat(), fc.nat(), (bytes, from, to) => {
      let opened: { keyShare: Uint8Array; seedShare: Uint8Array } | null = null;
      const code = privacyCode(() => (opened = decodeSharePlaintext(bytes, from, to)));
      if (opened) {
        expect(bytes.length).toBe(SHARE_PLAINTEXT_BYTES);
        expect((opened as { keyShare: Uint8Array }).keyShare.length).toBe(FIELD_BYTES);
        expect((opened as { seedShare: Uint8Array }).seedShare.length).toBe(FIELD_BYTES);
      } else {
        expect(code).toBe('SECAGG_BAD_SHARE');
      }
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fieldElement, fieldElement, (from, to, k, s) => {
      const opened = decodeSharePlaintext(encodeSharePlaintext(from, to, encodeShareValue(k), encodeShareValue(s)), from, to);
      expect(decodeShareValue(opened.keyShare)).toBe(k);
      expect(decodeShareValue(opened.seedShare)).toBe(s);
    }), { numRuns: 300 });
  });

  it('takes messages in any order and of any content with a PrivacyError, never another exception, and sums only full vectors', async () => {
    const bytes = (n: number) => fc.oneof(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ maxLength: n + 8 }));
    const action = fc.oneof(
      fc.record({ kind: fc.constant('advertise' as const), id, encryptionPublicKey: bytes(32), maskingPublicKey: bytes(32) }),
      fc.record({ kind: fc.constant('shares' as const), id, shares: fc.array(fc.record({ from: id, to: id, ciphertext: bytes(SHARE_BOX_BYTES) }), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('masked' as const), id, masked: fc.oneof(fc.uint32Array({ minLength: 4, maxLength: 4 }), fc.uint32Array({ maxLength: 6 })) }),
      fc.record({ kind: fc.constant('unmask' as const), id, selfMaskShares: fc.array(fc.record({ of: id, share: bytes(FIELD_BYTES) }), { maxLength: 3 }), secretKeyShares: fc.array(fc.record({ of: id, share: bytes(FIELD_BYTES) }), { maxLength: 3 }) }),
      fc.constantFrom({ kind: 'closeAdvertise' as const }, { kind: 'closeShares' as const }, { kind: 'closeMasked' as const }, { kind: 'finish' as const }),
    );
    await fc.assert(fc.asyncProperty(fc.array(action, { maxLength: 30 }), async (actions) => {
      const server = new SecAggServer({ vectorLength: 4, threshold: 2, mode: { kind: 'full' }, sessionId: new Uint8Array(16), backend: 'noble' });
      for (const a of actions) {
        try {
          if (a.kind === 'advertise') server.receiveAdvertise(a);
          else if (a.kind === 'shares') server.receiveShares(a);
          else if (a.kind === 'masked') server.receiveMaskedInput(a);
          else if (a.kind === 'unmask') server.receiveUnmask(a);
          else if (a.kind === 'closeAdvertise') server.closeAdvertise();
          else if (a.kind === 'closeShares') server.closeShares();
          else if (a.kind === 'closeMasked') server.closeMaskedInputs();
          else {
            const result = await server.finish();
            expect(result.sum).toHaveLength(4);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(PrivacyError);
        }
      }
    }), { numRuns: 1500 });
  });
});
