// Packs several fixed-point values into one Paillier plaintext, with headroom for K-fold sums.
import { bitLength } from './bigintMath.ts';
import { PaillierError } from './errors.ts';
import { bigintToScaledNumber } from './fixedPoint.ts';
import type { PaillierPublicKey } from './PaillierPublicKey.ts';

/** Options of {@link PaillierPacker}; the defaults suit model updates and gradients. */
export interface PackingOptions {
  /** Fractional bits of each value: resolution 2^-fractionBits. Default 16. */
  fractionBits?: number;
  /** Bits of one encoded value, sign included: |x| < 2^(valueBits−1−fractionBits). Default 32. */
  valueBits?: number;
  /** K, the largest number of packed ciphertexts that may be summed before decryption. Default 1024. */
  maxAddends?: number;
}

/**
 * Slot packing (Bianchi, Piva, Barni, "Composite signal representation for fast and storage-
 * efficient processing of encrypted signals", IEEE TIFS 2010; BatchCrypt, Zhang et al., USENIX
 * ATC 2020, for federated learning): slot i holds u_i = round(x_i·2^f) + 2^(v−1) ∈ [0, 2^v) (offset binary, so slots never
 * borrow) in bits [i·s, (i+1)·s) with slot width s = v + h, h = ⌈log2 K⌉ headroom bits.
 *
 * Bound: a sum of at most K packed plaintexts has slot sums < K·2^v ≤ 2^s, so no slot carries
 * into the next, and slotCount·s ≤ bits(n) − 1 keeps the whole sum below n (no wrap mod n). The
 * homomorphic operations allowed on packed ciphertexts are therefore: add (each operand counts its
 * addends), and multiplyScalar by a positive integer k (counts as k addends); a negative scalar or
 * addPlaintext of an unpacked value breaks the layout. `unpack` needs the total addend count to
 * remove the K·2^(v−1) offsets.
 * @example
 * const packer = new PaillierPacker(publicKey); // 2048-bit n: 48 slots of 42 bits
 * const c = publicKey.add(pool.encrypt(packer.pack([0.5, -1])), pool.encrypt(packer.pack([2, 3])));
 * packer.unpack(privateKey.decrypt(c), 2, 2); // [2.5, 2]
 */
export class PaillierPacker {
  readonly fractionBits: number;
  readonly valueBits: number;
  readonly headroomBits: number;
  readonly maxAddends: number;
  readonly slotBits: number;
  readonly slotCount: number;
  private readonly offset: bigint;
  private readonly maxMagnitude: bigint;
  private readonly scale: number;

  constructor(key: PaillierPublicKey | bigint, options: PackingOptions = {}) {
    const n = typeof key === 'bigint' ? key : key.n;
    this.fractionBits = options.fractionBits ?? 16;
    this.valueBits = options.valueBits ?? 32;
    this.maxAddends = options.maxAddends ?? 1024;
    if (!Number.isInteger(this.fractionBits) || this.fractionBits < 0 || this.fractionBits > 52) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', 'fractionBits must be an integer in [0, 52]');
    }
    if (!Number.isInteger(this.valueBits) || this.valueBits < 2 || this.valueBits > 53 || this.valueBits <= this.fractionBits) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', 'valueBits must be an integer in (fractionBits, 53]');
    }
    if (!Number.isInteger(this.maxAddends) || this.maxAddends < 1) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', 'maxAddends must be a positive integer');
    }
    this.headroomBits = Math.ceil(Math.log2(this.maxAddends));
    this.slotBits = this.valueBits + this.headroomBits;
    this.slotCount = Math.floor((bitLength(n) - 1) / this.slotBits);
    if (this.slotCount < 1) throw new PaillierError('PAILLIER_BAD_PARAMETER', 'modulus too small for one slot');
    this.offset = 1n << BigInt(this.valueBits - 1);
    this.maxMagnitude = this.offset;
    this.scale = 2 ** this.fractionBits;
  }

  /** Plaintexts needed for `count` values. @example packer.plaintextsFor(1000) // 21 at 2048 bits */
  plaintextsFor(count: number): number {
    return Math.ceil(count / this.slotCount);
  }

  /**
   * Packs up to slotCount finite values into one plaintext (slot 0 in the lowest bits). A value
   * with |round(x·2^f)| ≥ 2^(v−1) raises PAILLIER_PACK_OVERFLOW.
   * @example packer.pack([0.25, -3])
   */
  pack(values: ArrayLike<number>): bigint {
    if (values.length > this.slotCount) {
      throw new PaillierError('PAILLIER_PACK_OVERFLOW', `at most ${this.slotCount} values per plaintext`);
    }
    const shift = BigInt(this.slotBits);
    let acc = 0n;
    for (let i = values.length - 1; i >= 0; i--) {
      const x = values[i]!;
      if (!Number.isFinite(x)) throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'packed values must be finite');
      const q = BigInt(Math.round(x * this.scale));
      if (q >= this.maxMagnitude || -q >= this.maxMagnitude) {
        throw new PaillierError('PAILLIER_PACK_OVERFLOW', `|value| must be below 2^${this.valueBits - 1 - this.fractionBits}`);
      }
      acc = (acc << shift) | (q + this.offset);
    }
    return acc;
  }

  /**
   * Reads `count` values from a (decrypted) packed plaintext that is the sum of `addends` packed
   * plaintexts (1 for a plain encryption). addends > maxAddends raises PAILLIER_PACK_OVERFLOW,
   * since the slots may then have carried.
   * @example packer.unpack(privateKey.decrypt(sumOfThree), 48, 3)
   */
  unpack(plaintext: bigint, count: number, addends = 1): number[] {
    if (!Number.isInteger(count) || count < 0 || count > this.slotCount) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', `count must be in [0, ${this.slotCount}]`);
    }
    if (!Number.isInteger(addends) || addends < 1 || addends > this.maxAddends) {
      throw new PaillierError('PAILLIER_PACK_OVERFLOW', `addends must be in [1, ${this.maxAddends}]`);
    }
    if (plaintext < 0n || plaintext.toString(2).length > this.slotCount * this.slotBits) {
      throw new PaillierError('PAILLIER_BAD_PLAINTEXT', 'not a packed plaintext of this layout');
    }
    const bias = this.offset * BigInt(addends);
    const out = new Array<number>(count);
    let rest = plaintext;
    const shift = BigInt(this.slotBits);
    for (let i = 0; i < count; i++) {
      out[i] = bigintToScaledNumber(BigInt.asUintN(this.slotBits, rest) - bias, this.fractionBits);
      rest >>= shift;
    }
    return out;
  }

  /** Packs any number of values into ⌈count/slotCount⌉ plaintexts. @example packer.packAll(gradient) */
  packAll(values: ArrayLike<number>): bigint[] {
    const out: bigint[] = [];
    for (let start = 0; start < values.length; start += this.slotCount) {
      out.push(this.pack(Array.prototype.slice.call(values, start, start + this.slotCount) as number[]));
    }
    return out;
  }

  /** Inverse of {@link packAll}: `count` values from plaintexts that each sum `addends` packings. */
  unpackAll(plaintexts: readonly bigint[], count: number, addends = 1): number[] {
    if (plaintexts.length !== this.plaintextsFor(count)) {
      throw new PaillierError('PAILLIER_BAD_PARAMETER', 'plaintext count does not match the value count');
    }
    const out: number[] = [];
    plaintexts.forEach((m, i) => out.push(...this.unpack(m, Math.min(this.slotCount, count - i * this.slotCount), addends)));
    return out;
  }
}
