// Paillier encryptions/decryptions per second at 2048 bits: ours (plain, pooled, packed) vs paillier-bigint.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as paillierBigint from 'paillier-bigint';
import {
  computeRandomFactors,
  encodePaillierFixedPoint,
  generatePaillierKeyPair,
  PaillierPacker,
  PaillierRandomnessPool,
} from '@flotilla/privacy';
import { nodePaillierPool } from '@flotilla/fleet';
import { round, writeResult } from './support.ts';

const BITS = 2048;
// Enough operations to average out jitter, few enough to stay near a minute on a shared core.
const SLOW_OPS = 6;
const ROUNDS = 30;
const FACTORS_PER_ROUND = 11;
const PACKED_OPS = 30;
const POOLED_OPS = ROUNDS * FACTORS_PER_ROUND - PACKED_OPS;
const DECRYPT_OPS = 20; // ≤ PACKED_OPS
const WORKER_FACTORS = 48;

interface Rate {
  opsPerSecond: number;
  msPerOp: number;
}

function rate(ops: number, ms: number): Rate {
  return { opsPerSecond: round((ops * 1000) / ms), msPerOp: round(ms / ops) };
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs the comparison and writes bench/results/paillier.json. */
export async function runPaillierBench(): Promise<object> {
  const keygenStart = performance.now();
  const { publicKey, privateKey } = await generatePaillierKeyPair({ bits: BITS });
  const keygenMs = performance.now() - keygenStart;
  const { n } = publicKey;
  const { p, q } = privateKey;
  // The oracle gets the very same key (simple variant g = n + 1), so only the code differs.
  const theirPublic = new paillierBigint.PublicKey(n, n + 1n);
  const phi = (p - 1n) * (q - 1n);
  const theirPrivate = new paillierBigint.PrivateKey(phi, modInverse(phi, n), theirPublic, p, q);

  // Signed fixed-point values, as model updates are: negatives wrap to ~n-sized plaintexts.
  const values = Array.from({ length: POOLED_OPS }, () => Math.random() * 2 - 1);
  const plaintexts = values.map((x) => encodePaillierFixedPoint(x, n));
  const smallPlaintexts = values.map((_, i) => BigInt(i + 1)); // best case for paillier-bigint's g^m

  const packer = new PaillierPacker(publicKey);
  const chunks = Array.from({ length: PACKED_OPS }, (_, i) =>
    Array.from({ length: packer.slotCount }, (_, j) => values[(i * packer.slotCount + j) % values.length]!),
  );
  // Interleave ours and theirs round by round, pool filling included, so that load from other
  // processes hits both sides alike. Every pooled encryption below consumes its own real factor.
  const pool = new PaillierRandomnessPool(publicKey);
  let oursPlainMs = 0;
  let theirsMs = 0;
  let theirsSmallMs = 0;
  let fillMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    theirsMs += time(() => theirPublic.encrypt(plaintexts[round]!));
    theirsSmallMs += time(() => theirPublic.encrypt(smallPlaintexts[round]!));
    oursPlainMs += time(() => publicKey.encrypt(plaintexts[round]!));
    let factors: bigint[] = [];
    fillMs += time(() => {
      factors = computeRandomFactors(n, FACTORS_PER_ROUND);
    });
    pool.addFactors(factors);
  }
  const fillMsPerFactor = fillMs / (ROUNDS * FACTORS_PER_ROUND);
  const theirsEnc = rate(ROUNDS, theirsMs);
  const theirsEncSmall = rate(ROUNDS, theirsSmallMs);
  // Ratios use paillier-bigint's faster case of the two, so they are conservative.
  const theirBest = Math.max(theirsEnc.opsPerSecond, theirsEncSmall.opsPerSecond);

  const pooledMs = time(() => {
    for (let i = 0; i < POOLED_OPS; i++) pool.encrypt(plaintexts[i]!);
  });
  const pooledOnline = rate(POOLED_OPS, pooledMs);
  const pooledAmortised = rate(1, fillMsPerFactor + pooledMs / POOLED_OPS);

  let packed: bigint[] = [];
  const packedMs = time(() => {
    packed = chunks.map((chunk) => pool.encrypt(packer.pack(chunk)));
  });
  const packedValuesOnline = rate(chunks.length * packer.slotCount, packedMs);
  const packedValuesAmortised = rate(packer.slotCount, fillMsPerFactor + packedMs / chunks.length);

  if (pool.fallbackCount !== 0) throw new Error('pool ran dry: the pooled timings would be wrong');
  const ciphertexts = packed.slice(0, DECRYPT_OPS);
  let oursDecMs = 0;
  let textbookMs = 0;
  let theirsDecMs = 0;
  for (let i = 0; i < DECRYPT_OPS; i++) {
    oursDecMs += time(() => privateKey.decrypt(ciphertexts[i]!));
    theirsDecMs += time(() => theirPrivate.decrypt(ciphertexts[i]!));
    if (i < SLOW_OPS) textbookMs += time(() => privateKey.decryptTextbook(ciphertexts[i]!));
  }
  const decrypted = ciphertexts.map((c) => privateKey.decrypt(c));
  const unpackMs = time(() => decrypted.forEach((m) => packer.unpack(m, packer.slotCount)));
  const unpackedOk = packer.unpack(decrypted[0]!, packer.slotCount).every((x, j) => Math.abs(x - chunks[0]![j]!) <= 2 ** -packer.fractionBits);
  if (!unpackedOk) throw new Error('packed round trip failed');
  const oursDec = rate(DECRYPT_OPS, oursDecMs);
  const theirsDec = rate(DECRYPT_OPS, theirsDecMs);

  // The same work on a pool of worker threads (one per core), after one request per worker has
  // started its thread and built the key there.
  const workers = nodePaillierPool();
  await workers.decrypt(privateKey, ciphertexts.slice(0, workers.size));
  const poolDecMs = await timeAsync(() => workers.decrypt(privateKey, ciphertexts));
  const poolFillMs = await timeAsync(() => workers.randomFactors(n, WORKER_FACTORS));
  await workers.close();

  const rows = [
    { operation: 'encrypt (paillier-bigint, signed fixed-point m)', ...theirsEnc, ratio: 1 },
    { operation: 'encrypt (paillier-bigint, small m: its best case)', ...theirsEncSmall, ratio: 1 },
    { operation: 'encrypt (ours, fresh r^n)', ...rate(ROUNDS, oursPlainMs), ratio: 0 },
    { operation: 'encrypt (ours, pooled r^n: online)', ...pooledOnline, ratio: 0 },
    { operation: 'encrypt (ours, pooled r^n: incl. pool fill)', ...pooledAmortised, ratio: 0 },
    { operation: `values (ours, pooled + packed ×${packer.slotCount}: online)`, ...packedValuesOnline, ratio: 0 },
    { operation: `values (ours, pooled + packed ×${packer.slotCount}: incl. pool fill)`, ...packedValuesAmortised, ratio: 0 },
    { operation: 'decrypt (paillier-bigint, CRT modPow)', ...theirsDec, ratio: 1 },
    { operation: 'decrypt (ours, textbook L(c^λ)·μ)', ...rate(SLOW_OPS, textbookMs), ratio: 0 },
    { operation: `encrypt (ours, pooled r^n filled by ${workers.size} worker threads: incl. pool fill)`, ...rate(1, poolFillMs / WORKER_FACTORS + pooledMs / POOLED_OPS), ratio: 0 },
    { operation: 'decrypt (ours, CRT)', ...oursDec, ratio: 0 },
    { operation: `decrypt (ours, CRT on ${workers.size} worker threads)`, ...rate(DECRYPT_OPS, poolDecMs), ratio: 0 },
    { operation: `values decrypted (ours, CRT + unpack ×${packer.slotCount})`, ...rate(DECRYPT_OPS * packer.slotCount, oursDecMs + unpackMs), ratio: 0 },
  ].map((row) => ({
    ...row,
    ratio: round(row.operation.startsWith('decrypt') || row.operation.startsWith('values decrypted')
      ? row.opsPerSecond / theirsDec.opsPerSecond
      : row.opsPerSecond / theirBest),
  }));

  const report = {
    benchmark: `Paillier ${BITS}-bit, ours vs paillier-bigint ${'3.x'} on one key, interleaved in one run`,
    note: 'encryption ratios divide by paillier-bigint at its faster plaintext case; decryption ratios by its CRT decryption',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    keygenSeconds: round(keygenMs / 1000),
    packing: { slotCount: packer.slotCount, slotBits: packer.slotBits, valueBits: packer.valueBits, fractionBits: packer.fractionBits, maxAddends: packer.maxAddends },
    targetEncryptionRatio: 50,
    date: new Date().toISOString(),
    rows,
  };
  await writeResult('paillier', report);
  return report;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const t = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - t * r1, s1, s0 - t * s1];
  }
  return ((s0 % m) + m) % m;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = (await runPaillierBench()) as { keygenSeconds: number; rows: object[] };
  console.log(`key generation: ${report.keygenSeconds} s`);
  console.table(report.rows);
}
