import { afterAll, describe, expect, it } from 'vitest';
import { ciphertextToHex, deserializePublicKey } from '@flotilla/privacy';
import { HeteroLrArbiter } from '@flotilla/vertical';
import { nodePaillierPool } from './paillierPool.ts';

describe('a Node party\'s Paillier worker pool', () => {
  const workers = nodePaillierPool(2);
  afterAll(async () => {
    await workers.close();
  });

  it('lets the hetero LR arbiter decrypt on worker threads what it decrypts on its own, once per step', async () => {
    const lengths = { guest: 5, host: 4 };
    const arbiter = await HeteroLrArbiter.create({ bits: 1024, gradientLengths: lengths });
    const key = deserializePublicKey(arbiter.publicKeyMessage().key);
    const masked = (party: 'guest' | 'host', step: number, values: bigint[]) => ({
      type: 'hetero-lr.masked-gradient', step, party, gradient: values.map((m) => ciphertextToHex(key.encrypt(m), key)),
    });
    const plain = [3n, 0n, key.n - 1n, 123_456_789n];
    const onThreads = await arbiter.decryptGradientOn(workers, masked('host', 0, plain));
    expect(onThreads.values).toEqual(plain.map((m) => m.toString(16)));
    expect(arbiter.decryptGradient(masked('host', 1, plain)).values).toEqual(onThreads.values);
    // The step is taken before the workers start: a second message for it is refused at once.
    const first = arbiter.decryptGradientOn(workers, masked('guest', 0, [1n, 2n, 3n, 4n, 5n]));
    await expect(arbiter.decryptGradientOn(workers, masked('guest', 0, [9n, 9n, 9n, 9n, 9n]))).rejects.toMatchObject({ code: 'VFL_OUT_OF_ORDER' });
    expect((await first).values).toEqual(['1', '2', '3', '4', '5']);
  });
});
