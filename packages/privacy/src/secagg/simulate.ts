// In-memory SecAgg round driver: the reference wiring of client and server, timed per role.
import { SecAggClient } from './SecAggClient.ts';
import { SecAggServer } from './SecAggServer.ts';
import type { SecAggParams, SecAggResult } from './types.ts';

/** Who stops answering, and when. A client listed twice drops at its first listed point. */
export interface SimulatedDropouts {
  /** Advertise keys, then vanish before sending shares (not in U2). */
  readonly beforeSharing?: readonly number[];
  /** Send shares, then vanish before uploading the masked input (in U2, not in U3). */
  readonly afterSharing?: readonly number[];
  /** Upload, then vanish before unmasking (in U3, not in U4): their input still counts. */
  readonly afterUpload?: readonly number[];
}

export interface SecAggSimulation {
  readonly result: SecAggResult;
  /** Compute time of all clients together, and of the slowest one, in ms. */
  readonly clientTotalMs: number;
  readonly clientMaxMs: number;
  /** Compute time of the server (close*, receive*, finish), in ms. */
  readonly serverMs: number;
}

/**
 * Runs one round with every client in this process, sequentially, so the timings are per-role
 * compute without network. The coordinator's round engine does the same with sockets and deadlines.
 * @example
 * const inputs = new Map([[1, encodeFixedPoint(u1, fp)], [2, encodeFixedPoint(u2, fp)], [3, …]]);
 * const { result } = await simulateSecAggRound({ params, inputs, dropouts: { afterSharing: [3] } });
 */
export async function simulateSecAggRound(options: {
  params: SecAggParams;
  inputs: ReadonlyMap<number, Uint32Array>;
  dropouts?: SimulatedDropouts;
  /** What the wire does to a masked input (e.g. pack it at m bits and unpack it); identity by default. */
  transport?: (masked: Uint32Array) => Uint32Array;
}): Promise<SecAggSimulation> {
  const { params, inputs } = options;
  const drop = options.dropouts ?? {};
  const goneAt = (ids: readonly number[] | undefined) => new Set(ids ?? []);
  const [before, after, late] = [goneAt(drop.beforeSharing), goneAt(drop.afterSharing), goneAt(drop.afterUpload)];
  const clientMs = new Map<number, number>();
  let serverMs = 0;
  const asClient = async <T>(id: number, body: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await body();
    clientMs.set(id, (clientMs.get(id) ?? 0) + performance.now() - t0);
    return out;
  };
  const asServer = async <T>(body: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await body();
    serverMs += performance.now() - t0;
    return out;
  };

  const server = new SecAggServer(params);
  const clients = new Map([...inputs.keys()].map((id) => [id, new SecAggClient(id, params)]));
  for (const [id, c] of clients) {
    const msg = await asClient(id, () => c.advertiseKeys());
    await asServer(() => server.receiveAdvertise(msg));
  }
  const broadcasts = await asServer(() => server.closeAdvertise());
  for (const [id, c] of clients) {
    if (before.has(id)) continue;
    const msg = await asClient(id, () => c.shareKeys(broadcasts.get(id)!));
    await asServer(() => server.receiveShares(msg));
  }
  const deliveries = await asServer(() => server.closeShares());
  for (const [id, c] of clients) {
    if (before.has(id) || after.has(id)) continue;
    const msg = await asClient(id, () => c.maskInput(deliveries.get(id)!, inputs.get(id)!));
    await asServer(() => server.receiveMaskedInput(options.transport ? { ...msg, masked: options.transport(msg.masked) } : msg));
  }
  const request = await asServer(() => server.closeMaskedInputs());
  for (const [id, c] of clients) {
    if (before.has(id) || after.has(id) || late.has(id)) continue;
    const msg = await asClient(id, () => c.unmask(request));
    await asServer(() => server.receiveUnmask(msg));
  }
  const result = await asServer(() => server.finish());
  const times = [...clientMs.values()];
  return {
    result,
    clientTotalMs: times.reduce((a, b) => a + b, 0),
    clientMaxMs: Math.max(0, ...times),
    serverMs,
  };
}
