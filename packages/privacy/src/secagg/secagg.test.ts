// End-to-end SecAgg and SecAgg+ rounds in memory, with dropouts, aborts and protocol guards.
import { describe, expect, it } from 'vitest';
import { decodeFixedPointSum, encodeFixedPoint, fixedPointConfig } from '../fixedPoint.ts';
import { secAggParams } from './params.ts';
import { SecAggClient } from './SecAggClient.ts';
import { SecAggServer } from './SecAggServer.ts';
import { type SimulatedDropouts, simulateSecAggRound } from './simulate.ts';
import type { SecAggParams } from './types.ts';

const DIM = 1000;
const CLIP = 1;

function randomVector(n: number): Float64Array {
  const u = new Uint32Array(n);
  crypto.getRandomValues(u);
  return Float64Array.from(u, (w) => (w / 2 ** 32) * 2 - 1);
}

/** Runs a round over n clients with random updates; returns the decoded sum and the plain one. */
async function roundWith(params: SecAggParams, n: number, dropouts: SimulatedDropouts = {}) {
  const fp = fixedPointConfig({ clip: CLIP, maxSummands: n });
  const updates = new Map(Array.from({ length: n }, (_, i) => [i + 1, randomVector(params.vectorLength)] as const));
  const inputs = new Map([...updates].map(([id, u]) => [id, encodeFixedPoint(u, fp)] as const));

  const { result } = await simulateSecAggRound({ params, inputs, dropouts });

  const plain = new Float64Array(params.vectorLength);
  for (const id of result.survivors) updates.get(id)!.forEach((x, i) => (plain[i]! += x));
  const decoded = decodeFixedPointSum(result.sum, fp, result.survivors.length);
  const maxError = Math.max(...decoded.map((x, i) => Math.abs(x - plain[i]!)));
  // Each encoded value is off by at most 1/(2·scale); the sum by survivors/(2·scale).
  return { result, maxError, tolerance: result.survivors.length / (2 * fp.scale) };
}

const DROPOUTS: SimulatedDropouts = { beforeSharing: [2], afterSharing: [5, 9], afterUpload: [7] };

describe('SecAgg (Bonawitz et al. 2017) end to end in memory', () => {
  it('n = 10 without dropouts: the sum equals the plain sum within fixed-point error', async () => {
    const { result, maxError, tolerance } = await roundWith(secAggParams({ clients: 10, vectorLength: DIM }), 10);

    expect(result.survivors).toHaveLength(10);
    expect(maxError).toBeLessThanOrEqual(tolerance);
  });

  it('n = 10 with dropouts before sharing, after sharing and after upload', async () => {
    const params = secAggParams({ clients: 10, vectorLength: DIM, threshold: 6 });

    const { result, maxError, tolerance } = await roundWith(params, 10, DROPOUTS);

    expect(result.survivors).toEqual([1, 3, 4, 6, 7, 8, 10]);
    expect(result.dropped).toEqual({ beforeSharing: [2], afterSharing: [5, 9], afterUpload: [7] });
    expect(maxError).toBeLessThanOrEqual(tolerance);
  });

  it('n = 10 on the @noble backend gives the same guarantee', async () => {
    const params = { ...secAggParams({ clients: 10, vectorLength: DIM, threshold: 6 }), backend: 'noble' as const };

    const { maxError, tolerance } = await roundWith(params, 10, DROPOUTS);

    expect(maxError).toBeLessThanOrEqual(tolerance);
  });

  it('n = 100 with dropouts at every stage', async () => {
    const params = secAggParams({ clients: 100, vectorLength: DIM });
    const dropouts = { beforeSharing: [1, 2, 3, 4, 5], afterSharing: [10, 20, 30, 40, 50], afterUpload: [60, 70, 80] };

    const { result, maxError, tolerance } = await roundWith(params, 100, dropouts);

    expect(result.survivors).toHaveLength(90);
    expect(maxError).toBeLessThanOrEqual(tolerance);
  });

  it.each([
    ['before sharing', { beforeSharing: [1, 2, 3, 4, 5] }, 'share'],
    ['after sharing', { afterSharing: [1, 2, 3, 4, 5] }, 'mask'],
    ['after upload', { afterUpload: [1, 2, 3, 4, 5] }, 'unmask'],
  ] as const)('fewer than t survivors %s → SECAGG_TOO_FEW_SURVIVORS', async (_, dropouts, stage) => {
    const params = secAggParams({ clients: 10, vectorLength: 10, threshold: 6 });

    await expect(roundWith(params, 10, dropouts)).rejects.toMatchObject({
      code: 'SECAGG_TOO_FEW_SURVIVORS',
      details: { stage, have: 5, threshold: 6 },
    });
  });
});

describe('SecAgg+ (Bell et al. 2020): masks with k neighbours only', () => {
  it('n = 100, k = 14 with dropouts at every stage', async () => {
    const params = secAggParams({ clients: 100, vectorLength: DIM, mode: 'plus' });
    const dropouts = { beforeSharing: [1, 2, 3], afterSharing: [10, 20, 30], afterUpload: [60, 70] };

    const { result, maxError, tolerance } = await roundWith(params, 100, dropouts);

    expect(params.mode).toEqual({ kind: 'plus', neighbours: 14 });
    expect(params.threshold).toBe(8);
    expect(result.survivors).toHaveLength(94);
    expect(maxError).toBeLessThanOrEqual(tolerance);
  });

  it('aborts when one neighbourhood keeps fewer than t live holders', async () => {
    const params = secAggParams({ clients: 12, vectorLength: 10, mode: 'plus', neighbours: 4, threshold: 4 });
    // Any client loses at least 2 of its 5 holders when 8 of 12 drop; t = 4 of 5 cannot hold.
    const dropouts = { afterSharing: [1, 2, 3, 4, 5, 6, 7, 8] };

    await expect(roundWith(params, 12, dropouts)).rejects.toMatchObject({ code: 'SECAGG_TOO_FEW_SURVIVORS' });
  });
});

describe('protocol guards', () => {
  async function throughUpload(n: number, params: SecAggParams) {
    const server = new SecAggServer(params);
    const clients = Array.from({ length: n }, (_, i) => new SecAggClient(i + 1, params));
    for (const c of clients) server.receiveAdvertise(await c.advertiseKeys());
    const keys = server.closeAdvertise();
    for (const c of clients) server.receiveShares(await c.shareKeys(keys.get(c.id)!));
    const boxes = server.closeShares();
    for (const c of clients.slice(1)) server.receiveMaskedInput(await c.maskInput(boxes.get(c.id)!, new Uint32Array(params.vectorLength)));
    return { server, clients, request: server.closeMaskedInputs() };
  }

  it('a client reveals b-shares of survivors and key shares of dropouts, never both, and only once', async () => {
    const params = secAggParams({ clients: 5, vectorLength: 4, threshold: 3 });
    const { clients, request } = await throughUpload(5, params);

    const reveal = await clients[1]!.unmask(request);

    expect(reveal.selfMaskShares.map((s) => s.of)).toEqual(expect.arrayContaining([2, 3, 4, 5]));
    expect(reveal.secretKeyShares.map((s) => s.of)).toEqual([1]);
    await expect(clients[1]!.unmask({ survivors: [1, 2, 3, 4, 5] })).rejects.toMatchObject({ code: 'SECAGG_WRONG_STAGE' });
  });

  it('answers only one of two concurrent unmask requests', async () => {
    const params = secAggParams({ clients: 5, vectorLength: 4, threshold: 3 });
    const { clients, request } = await throughUpload(5, params);

    const [first, second] = await Promise.allSettled([clients[1]!.unmask(request), clients[1]!.unmask({ survivors: [2, 3, 4] })]);

    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'SECAGG_WRONG_STAGE' } });
  });

  it('a client left out of U3 refuses to unmask', async () => {
    const params = secAggParams({ clients: 5, vectorLength: 4, threshold: 3 });
    const { server, clients } = await throughUpload(5, params);

    expect(server.progress).toEqual({ stage: 'unmask', advertised: 5, shared: 5, uploaded: 4, unmasked: 0 });

    await expect(clients[1]!.unmask({ survivors: [3, 4, 5] })).rejects.toMatchObject({ code: 'SECAGG_BAD_MESSAGE' });
  });

  it('the server rejects duplicates, wrong sizes, strangers and two-faced reveals', async () => {
    const params = secAggParams({ clients: 5, vectorLength: 4, threshold: 3 });
    const { server, clients, request } = await throughUpload(5, params);
    const honest = await clients[2]!.unmask(request);
    const twoFaced = { ...honest, secretKeyShares: [...honest.secretKeyShares, { of: 4, share: honest.selfMaskShares[0]!.share }] };

    expect(() => server.receiveMaskedInput({ id: 2, masked: new Uint32Array(4) })).toThrow(
      expect.objectContaining({ code: 'SECAGG_WRONG_STAGE' }),
    );
    expect(() => server.receiveUnmask(twoFaced)).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }));
    expect(() => server.receiveUnmask({ ...honest, id: 1 })).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }));
    server.receiveUnmask(honest);
    expect(() => server.receiveUnmask(honest)).toThrow(expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }));
  });

  it('the server rejects a masked vector of the wrong length and unknown clients', async () => {
    const params = secAggParams({ clients: 3, vectorLength: 4, threshold: 2 });
    const server = new SecAggServer(params);
    const clients = [1, 2, 3].map((id) => new SecAggClient(id, params));
    for (const c of clients) server.receiveAdvertise(await c.advertiseKeys());

    expect(() => server.receiveAdvertise({ id: 1, encryptionPublicKey: new Uint8Array(32), maskingPublicKey: new Uint8Array(32) })).toThrow(
      expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }),
    );
    const keys = server.closeAdvertise();
    for (const c of clients) server.receiveShares(await c.shareKeys(keys.get(c.id)!));
    server.closeShares();
    expect(() => server.receiveMaskedInput({ id: 1, masked: new Uint32Array(5) })).toThrow(
      expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }),
    );
    expect(() => server.receiveMaskedInput({ id: 4, masked: new Uint32Array(4) })).toThrow(
      expect.objectContaining({ code: 'SECAGG_BAD_MESSAGE' }),
    );
  });
});
