import { describe, expect, it } from 'vitest';
import { contentHash } from './contentHash.ts';

describe('contentHash', () => {
  it('is the SHA-256 hex of the bytes, a string hashed as its UTF-8 encoding', () => {
    // FIPS 180-2 test vector for "abc".
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(contentHash(new TextEncoder().encode('\uFEFFé,1\n'))).toBe(contentHash('\uFEFFé,1\n'));
    expect(contentHash('a,b\n')).not.toBe(contentHash('a,b\r\n'));
  });
});
