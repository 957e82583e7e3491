import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './bytes.ts';
import { PsiError } from './errors.ts';

describe('fromHex', () => {
  it('round-trips toHex', () => {
    const bytes = Uint8Array.of(0, 1, 127, 128, 255);
    expect(fromHex(toHex(bytes))).toEqual(bytes);
  });

  it.each(['0', 'zz', '0A', '01 ', 'g0'])('refuses %j with PSI_MALFORMED instead of decoding it to zeros', (hex) => {
    const thrown = (() => { try { fromHex(hex); } catch (e) { return e; } return null; })();
    expect(thrown).toBeInstanceOf(PsiError);
    expect((thrown as PsiError).code).toBe('PSI_MALFORMED');
  });
});
