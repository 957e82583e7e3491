// In-memory wiring of one hetero LR run (guest, host, arbiter): what a coordinator does over sockets.
import { HeteroLrArbiter } from './HeteroLrArbiter.ts';
import { HeteroLrGuest } from './HeteroLrGuest.ts';
import { HeteroLrHost } from './HeteroLrHost.ts';
import type { HeteroLrConfig } from './config.ts';
import type { VerticalLrData } from './taylor.ts';

/** The three parties of a run, set up and keyed. */
export interface HeteroLrParties {
  guest: HeteroLrGuest;
  host: HeteroLrHost;
  arbiter: HeteroLrArbiter;
}

/**
 * Creates guest, host and arbiter over aligned rows and hands out the arbiter's public key.
 * @example const parties = await setUpHeteroLr(data, { rows: data.labels.length }, 1024);
 */
export async function setUpHeteroLr(data: VerticalLrData, config: HeteroLrConfig, bits?: number): Promise<HeteroLrParties> {
  const guest = new HeteroLrGuest(data.guestFeatures, data.guestFeatureCount, data.labels, config);
  const host = new HeteroLrHost(data.hostFeatures, data.hostFeatureCount, config);
  const arbiter = await HeteroLrArbiter.create({
    ...(bits === undefined ? {} : { bits }),
    gradientLengths: { guest: data.guestFeatureCount + 1, host: data.hostFeatureCount },
  });
  const keyMessage = arbiter.publicKeyMessage();
  guest.receivePublicKey(structuredClone(keyMessage));
  host.receivePublicKey(structuredClone(keyMessage));
  return { guest, host, arbiter };
}

/**
 * One training step, every message passed as a JSON round trip (as it would travel): returns the
 * batch's mean Taylor loss as the arbiter decrypted it.
 * @example const loss = runHeteroLrStep(parties);
 */
export function runHeteroLrStep({ guest, host, arbiter }: HeteroLrParties): number {
  const wire = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;
  const { toHost, toArbiter } = guest.residuals(wire(host.scores()));
  const loss = arbiter.decryptLoss(wire(toArbiter));
  const fromHost = host.gradient(wire(toHost));
  const fromGuest = guest.gradient();
  host.applyGradient(wire(arbiter.decryptGradient(wire(fromHost))));
  guest.applyGradient(wire(arbiter.decryptGradient(wire(fromGuest))));
  return loss;
}
