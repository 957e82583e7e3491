// Compressed rounds over real sockets: int8 and top-k updates train the model, and the bytes the
// round view shows per client and in total are the bytes the clients' sockets and weight fetches
// carried, counted on the client side. An update in another codec than planned is refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, encodeFrame, type CodecSpec } from '@flotilla/protocol';
import { runCounted } from '../testing/countingClients.ts';
import { RawClient, createTask, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

describe('compressed rounds over real sockets', () => {
  let coordinator: TestCoordinator;
  beforeAll(async () => { coordinator = await startTestCoordinator(); });
  afterAll(async () => { await coordinator?.close(); });

  for (const [name, uplink, smaller] of [
    ['int8', { codec: 'int8', granularity: 'channel', stochastic: true }, 3.9],
    ['top-k 1 % with error feedback', { codec: 'topk', fraction: 0.01, errorFeedback: true }, 30],
  ] as const) {
    it(`${name}: commits rounds and shows per client and in total the bytes the sockets carried`, async () => {
      const { rounds, byClient, counted } = await runCounted(coordinator, { uplink });
      expect(rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', 3], ['committed', 3]]);
      for (const [clientId, count] of byClient) {
        const up = rounds.reduce((s, r) => s + (r.clients.find((c) => c.clientId === clientId)?.bytesUp ?? 0), 0);
        const down = rounds.reduce((s, r) => s + (r.clients.find((c) => c.clientId === clientId)?.bytesDown ?? 0), 0);
        expect(up).toBe(count.up);
        expect(down).toBe(count.down);
      }
      expect(rounds.reduce((s, r) => s + r.bytesUp, 0)).toBe(counted.reduce((s, c) => s + c.up, 0));
      expect(rounds.reduce((s, r) => s + r.bytesDown, 0)).toBe(counted.reduce((s, c) => s + c.down, 0));
      // Each update is smaller than float32 by the codec's factor (199,210 weights of the 2NN).
      for (const r of rounds) expect(r.bytesUp / 3).toBeLessThan((199_210 * 4) / smaller);
    });
  }

  it('refuses an update in another codec than the plan named', async () => {
    const taskId = await createTask(coordinator.url, smallTask({
      data: { partition: { kind: 'iid', numClients: 1, seed: 3, examplesPerClient: 100 } },
      fit: { minAvailableClients: 1 }, stop: { maxRounds: 1, roundDeadlineMs: 5_000 }, communication: { uplink: { codec: 'int8' } },
    }));
    const raw = new RawClient(coordinator.url);
    try {
      await raw.hello({ taskId, partitionIndex: 0, capabilities: { codecs: ['float32', 'int8'] } });
      const plan = await raw.next<{ round: number; modelVersion: number; fit: { uplink?: CodecSpec } }>('round.plan');
      expect(plan.fit.uplink).toMatchObject({ codec: 'int8', granularity: 'tensor', stochastic: true });
      const shapes = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
      raw.send(encodeFrame(
        { type: 'update', taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 100, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } },
        shapes.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) })),
      ));
      const error = await raw.next<{ code: string }>('error');
      expect(error.code).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    } finally {
      raw.close();
    }
  });
});
