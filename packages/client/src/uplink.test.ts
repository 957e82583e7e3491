import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame, flattenTensors, seededRandom } from '@flotilla/protocol';
import { fileResidualStore } from './node/fileResidualStore.ts';
import { memoryResidualStore, residualFor } from './residualStore.ts';
import { encodeUpdate } from './uplink.ts';

const shapes = [[20, 5], [5]];
const randomUpdate = (random: () => number) => Float32Array.from({ length: 105 }, () => (random() - 0.5) * (random() < 0.1 ? 10 : 1));

describe('error feedback', () => {
  it('carries what top-k dropped: the sum of sent vectors plus the residual equals the sum of true updates', async () => {
    const random = seededRandom(5);
    const store = memoryResidualStore();
    const truth = new Float64Array(105);
    const sent = new Float64Array(105);
    for (let round = 1; round <= 12; round++) {
      const update = randomUpdate(random);
      update.forEach((v, i) => { truth[i]! += v; });
      const residual = await residualFor(store, 'task-a', shapes);
      const out = encodeUpdate({ type: 'update', round }, update, shapes, { codec: 'topk', fraction: 0.05, errorFeedback: true }, residual);
      flattenTensors(decodeFrame(out.frame).tensors).forEach((v, i) => { sent[i]! += v; });
      await store.save({ taskId: 'task-a', shapes, values: out.residual! });
    }
    const final = (await residualFor(store, 'task-a', shapes))!;
    truth.forEach((t, i) => expect(sent[i]! + final[i]!).toBeCloseTo(t, 4));
    // The residual holds what was not sent yet, not a growing pile: each round sends its largest part.
    expect(Math.max(...final.map(Math.abs))).toBeLessThan(12 * 5);
  });

  it('keeps no residual for a codec without error feedback', () => {
    const out = encodeUpdate({ type: 'update' }, randomUpdate(seededRandom(1)), shapes, { codec: 'topk', fraction: 0.05, errorFeedback: false }, null);
    expect(out.residual).toBeNull();
    expect(decodeFrame(out.frame).tensors[0]!.codec).toBe('topk');
  });

  it('survives a restart in a file and starts from zero for another task or model shape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-residual-'));
    try {
      const path = join(dir, 'state', 'residual-0.bin');
      const values = Float32Array.from({ length: 105 }, (_, i) => i / 7);
      await fileResidualStore(path).save({ taskId: 'task-a', shapes, values });
      const reopened = fileResidualStore(path);
      expect([...(await residualFor(reopened, 'task-a', shapes))!]).toEqual([...values]);
      expect(await residualFor(reopened, 'task-b', shapes)).toBeNull();
      expect(await residualFor(reopened, 'task-a', [[21, 5], [5]])).toBeNull();
      expect(await residualFor(fileResidualStore(join(dir, 'missing.bin')), 'task-a', shapes)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
