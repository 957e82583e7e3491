// In-process encrypted FTL between a guest and a host (tests and the benchmark): the same messages as over the relay, through JSON.
import { generatePaillierKeyPair } from '@flotilla/privacy';
import type { PaillierKeyPair } from '@flotilla/privacy';
import type { FtlConfig } from './config.ts';
import { FtlGuest } from './FtlGuest.ts';
import { FtlHost, peerKeyFrom } from './FtlHost.ts';
import type { FtlData } from './PlainFtl.ts';

/** A guest and a host that have exchanged setup and keys. */
export interface FtlParties {
  guest: FtlGuest;
  host: FtlHost;
}

/** Every message crosses as JSON, as it would over the relay. */
const wire = <T>(m: T): Record<string, unknown> => JSON.parse(JSON.stringify(m)) as Record<string, unknown>;

/**
 * Keys (`keyBits` each; below 1024 only for tests), guest and host, setup exchanged.
 * @example const parties = await createFtl(data, { dim: 4 }, 1024, 2);
 */
export async function createFtl(data: FtlData, config: FtlConfig, keyBits: number, epochs: number, keys?: { guest: PaillierKeyPair; host: PaillierKeyPair }): Promise<FtlParties> {
  const insecureForTesting = keyBits < 1024;
  const guestKeys = keys?.guest ?? (await generatePaillierKeyPair({ bits: keyBits, insecureForTesting }));
  const hostKeys = keys?.host ?? (await generatePaillierKeyPair({ bits: keyBits, insecureForTesting }));
  const guest = new FtlGuest(data.guestFeatures, data.labels, data.guestFeatureCount, data.overlapRows, config, guestKeys);
  const host = new FtlHost(data.hostOverlap, data.hostFeatureCount, hostKeys);
  host.receiveSetup(wire(guest.setup(epochs)));
  guest.receiveHostKey(peerKeyFrom(wire(host.keyMessage()).key));
  return { guest, host };
}

/**
 * One encrypted step: components both ways, masked gradients both ways, decryptions both ways.
 * Returns the loss the guest decrypted and the host's unmasked ∂L/∂u_B.
 */
export async function runFtlStep(
  { guest, host }: FtlParties,
  /** Called with each message's JSON as it would cross the relay (the benchmark counts its bytes). */
  onWire: (json: string) => void = () => {},
): Promise<{ loss: number; hostGradient: Float64Array }> {
  const relay = (m: object): Record<string, unknown> => {
    const json = JSON.stringify(m);
    onWire(json);
    return JSON.parse(json) as Record<string, unknown>;
  };
  const fromHost = relay(host.components());
  const fromGuest = relay(guest.components());
  const guestMasked = relay(guest.maskedGradient(fromHost));
  const hostMasked = relay(host.maskedGradient(fromGuest));
  const forGuest = relay(await host.decryptForGuest(guestMasked));
  const forHost = relay(await guest.decryptForHost(hostMasked));
  const loss = guest.finish(forGuest);
  return { loss, hostGradient: host.finish(forHost) };
}

/** Scores of host rows through the encrypted predictor. */
export async function predictFtl({ guest, host }: FtlParties, session: string, hostFeatures: Float32Array): Promise<Float64Array> {
  const masked = wire(host.maskedScores(wire(guest.predictor(session)), hostFeatures));
  return host.scores(wire(await guest.decryptScores(masked, session, hostFeatures.length / host.featureCount)));
}
