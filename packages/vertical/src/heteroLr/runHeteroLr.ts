// In-memory wiring of one hetero LR run (guest, hosts, arbiter): what a coordinator does over sockets.
import { hostRoles } from '../roles.ts';
import { HeteroLrArbiter } from './HeteroLrArbiter.ts';
import { HeteroLrGuest } from './HeteroLrGuest.ts';
import { HeteroLrHost } from './HeteroLrHost.ts';
import type { HeteroLrConfig } from './config.ts';
import { lrHosts } from './taylor.ts';
import type { VerticalLrData } from './taylor.ts';

/** The parties of a run, set up and keyed. */
export interface HeteroLrParties {
  guest: HeteroLrGuest;
  /** The first host (`hosts[0]`). */
  host: HeteroLrHost;
  /** Every host, in role order (`host`, `host-2`, …). */
  hosts: HeteroLrHost[];
  arbiter: HeteroLrArbiter;
}

/**
 * Creates guest, one host per host band of `data` and the arbiter over aligned rows, and hands
 * out the arbiter's public key.
 * @example const parties = await setUpHeteroLr(data, { rows: data.labels.length }, 1024);
 */
export async function setUpHeteroLr(data: VerticalLrData, config: HeteroLrConfig, bits?: number): Promise<HeteroLrParties> {
  const columns = lrHosts(data);
  const roles = hostRoles(columns.length);
  const guest = new HeteroLrGuest(data.guestFeatures, data.guestFeatureCount, data.labels, config);
  const hosts = columns.map((h, p) => new HeteroLrHost(h.features, h.featureCount, config, roles[p]));
  const arbiter = await HeteroLrArbiter.create({
    ...(bits === undefined ? {} : { bits }),
    gradientLengths: { guest: data.guestFeatureCount + 1, ...Object.fromEntries(columns.map((h, p) => [roles[p]!, h.featureCount])) },
  });
  const keyMessage = arbiter.publicKeyMessage();
  guest.receivePublicKey(structuredClone(keyMessage));
  for (const host of hosts) host.receivePublicKey(structuredClone(keyMessage));
  return { guest, host: hosts[0]!, hosts, arbiter };
}

/**
 * One training step, every message passed as a JSON round trip (as it would travel): returns the
 * batch's mean Taylor loss as the arbiter decrypted it.
 * @example const loss = runHeteroLrStep(parties);
 */
export function runHeteroLrStep({ guest, hosts, arbiter }: HeteroLrParties): number {
  const wire = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;
  const scores = hosts.map((h) => wire(h.scores()));
  const crossTerms = hosts.slice(1).map((h, p) => wire(h.crossTerms(scores.slice(0, p + 1))));
  const { toHost, toArbiter } = guest.residuals(hosts.length === 1 ? scores[0] : scores, crossTerms);
  const loss = arbiter.decryptLoss(wire(toArbiter));
  const fromHosts = hosts.map((h) => h.gradient(wire(toHost)));
  const fromGuest = guest.gradient();
  hosts.forEach((h, p) => h.applyGradient(wire(arbiter.decryptGradient(wire(fromHosts[p])))));
  guest.applyGradient(wire(arbiter.decryptGradient(wire(fromGuest))));
  return loss;
}
