// The model downlink over real sockets: served in the task's downlink codec (float16), then as a
// lossless delta against the version a client holds, rebuilt bit for bit; bytes counted per client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, flattenTensors } from '@flotilla/protocol';
import { runCounted } from '../testing/countingClients.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

describe('model downlink', () => {
  let coordinator: TestCoordinator;
  beforeAll(async () => { coordinator = await startTestCoordinator(); });
  afterAll(async () => { await coordinator?.close(); });

  it('sends the model in float16 and then as a lossless delta against the version a client holds', async () => {
    const { taskId, rounds, caches } = await runCounted(coordinator, { downlink: { codec: 'float16' }, downlinkDelta: true }, 2);
    expect(rounds.map((r) => r.outcome)).toEqual(['committed', 'committed']);
    const fullFloat16 = 199_210 * 2;
    // Round 1 fetches the whole model in float16; later rounds a delta smaller than that.
    for (const c of rounds[0]!.clients) expect(c.bytesDown).toBeGreaterThan(fullFloat16);
    for (const r of rounds.slice(1)) for (const c of r.clients) expect(c.bytesDown).toBeLessThan(fullFloat16);
    // What a client rebuilt from deltas is, bit for bit, the model the coordinator served for that version.
    const url = `${coordinator.url}/api/tasks/${taskId}/models/2/weights.frame`;
    const served = flattenTensors(decodeFrame(new Uint8Array(await (await fetch(url)).arrayBuffer())).tensors);
    const held = (await caches[0]!.get(url)).weights;
    expect([...held]).toEqual([...served]);
    expect(decodeFrame(new Uint8Array(await (await fetch(url)).arrayBuffer())).tensors[0]!.codec).toBe('float16');
  });

});
