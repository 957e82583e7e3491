// Packing several fixed-point values per plaintext: layout, K-fold sums and overflow guards.
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from './keyGeneration.ts';
import type { PaillierKeyPair } from './keyGeneration.ts';
import { PaillierPacker } from './PaillierPacker.ts';
import { PaillierRandomnessPool } from './PaillierRandomnessPool.ts';

let keys: PaillierKeyPair;

beforeAll(async () => {
  keys = await generatePaillierKeyPair({ bits: 1024 });
});

const randomValues = (count: number, magnitude: number): number[] =>
  Array.from({ length: count }, () => Math.round((Math.random() * 2 - 1) * magnitude * 65536) / 65536);

describe('PaillierPacker', () => {
  it('computes the slot layout from the modulus and the addend bound', () => {
    const packer = new PaillierPacker(keys.publicKey, { valueBits: 32, fractionBits: 16, maxAddends: 1024 });
    expect(packer.slotBits).toBe(42);
    expect(packer.slotCount).toBe(Math.floor(1023 / 42));
    expect(new PaillierPacker(2n ** 2047n + 1n).slotCount).toBe(48);
  });

  it('packs, encrypts, decrypts and unpacks signed values exactly at the 2^-16 grid', () => {
    const { publicKey, privateKey } = keys;
    const packer = new PaillierPacker(publicKey);
    const xs = randomValues(packer.slotCount, 1000);
    const m = packer.pack(xs);
    expect(m < publicKey.n).toBe(true);
    expect(packer.unpack(privateKey.decrypt(publicKey.encrypt(m)), xs.length)).toEqual(xs);
  });

  it('sums K packed ciphertexts slot by slot (K = maxAddends, worst-case magnitudes)', async () => {
    const { publicKey, privateKey } = keys;
    const K = 16;
    const packer = new PaillierPacker(publicKey, { maxAddends: K });
    const pool = new PaillierRandomnessPool(publicKey);
    await pool.fillPool(K);
    const limit = 2 ** (packer.valueBits - 1 - packer.fractionBits) - 2 ** -packer.fractionBits;
    const rows = Array.from({ length: K }, (_, k) =>
      Array.from({ length: packer.slotCount }, (_, i) => k % 4 === 3 ? -1234.5 + i : i % 2 === 0 ? limit : -limit),
    );
    const c = publicKey.sum(rows.map((row) => pool.encrypt(packer.pack(row))));
    const expected = rows[0]!.map((_, i) => rows.reduce((acc, row) => acc + row[i]!, 0));
    expect(packer.unpack(privateKey.decrypt(c), packer.slotCount, K)).toEqual(expected);
  });

  it('treats multiplication by a positive integer as that many addends', () => {
    const { publicKey, privateKey } = keys;
    const packer = new PaillierPacker(publicKey, { maxAddends: 8 });
    const c = publicKey.multiplyScalar(publicKey.encrypt(packer.pack([1.5, -2])), 3n);
    expect(packer.unpack(privateKey.decrypt(c), 2, 3)).toEqual([4.5, -6]);
  });

  it('packs long vectors across several plaintexts', () => {
    const { publicKey, privateKey } = keys;
    const packer = new PaillierPacker(publicKey);
    const xs = randomValues(3 * packer.slotCount + 5, 10);
    const ms = packer.packAll(xs);
    expect(ms).toHaveLength(packer.plaintextsFor(xs.length));
    const back = packer.unpackAll(ms.map((m) => privateKey.decrypt(publicKey.encrypt(m))), xs.length);
    expect(back).toEqual(xs);
  });

  it('refuses values, value counts and addend counts that would overflow a slot', () => {
    const packer = new PaillierPacker(keys.publicKey, { maxAddends: 4 });
    expect(() => packer.pack([2 ** 15])).toThrow(expect.objectContaining({ code: 'PAILLIER_PACK_OVERFLOW' }));
    expect(() => packer.pack(new Array(packer.slotCount + 1).fill(0))).toThrow(expect.objectContaining({ code: 'PAILLIER_PACK_OVERFLOW' }));
    expect(() => packer.unpack(packer.pack([1]), 1, 5)).toThrow(expect.objectContaining({ code: 'PAILLIER_PACK_OVERFLOW' }));
    expect(() => packer.pack([Number.POSITIVE_INFINITY])).toThrow(expect.objectContaining({ code: 'PAILLIER_BAD_PLAINTEXT' }));
  });
});
