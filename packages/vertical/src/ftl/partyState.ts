// What both FTL parties check of every step message, and decryption in-thread or on a worker pool.
import type { PaillierCiphertext, PaillierKeyPair, PaillierWorkerPool } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';

/** VFL_MALFORMED unless `m` is a `type` message; VFL_OUT_OF_ORDER unless it is for step `step`. @example expectStep(m, 'ftl.host-components', this.step) */
export function expectStep(m: Record<string, unknown>, type: string, step: number): void {
  if (typeof m !== 'object' || m === null || m.type !== type) throw new VerticalError('VFL_MALFORMED', `expected a ${type} message`);
  if (!Number.isInteger(m.step)) throw new VerticalError('VFL_MALFORMED', `${type}: step must be an integer`);
  if (m.step !== step) throw new VerticalError('VFL_OUT_OF_ORDER', `${type} for step ${String(m.step)}, expected step ${step}`);
}

/** Decrypts validated ciphertexts of our own key, on the worker pool when there is one. @example const plain = await decryptAll(keys, cs, pool) */
export async function decryptAll(keys: PaillierKeyPair, cs: readonly PaillierCiphertext[], pool?: PaillierWorkerPool): Promise<bigint[]> {
  if (pool) return pool.decrypt(keys.privateKey, cs);
  return cs.map((c) => keys.privateKey.decrypt(c));
}
