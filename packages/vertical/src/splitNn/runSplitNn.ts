// In-memory wiring of a split NN run (guest, hosts, arbiter): what a coordinator relays over sockets.
import { SplitNnArbiter } from './SplitNnArbiter.ts';
import { SplitNnGuest } from './SplitNnGuest.ts';
import type { SplitNnStepResult } from './SplitNnGuest.ts';
import { SplitNnHost } from './SplitNnHost.ts';
import type { SplitNnConfig } from './model.ts';

/** The parties of a split NN run. */
export interface SplitNnParties {
  guest: SplitNnGuest;
  /** The first host (`hosts[0]`). */
  host: SplitNnHost;
  /** Every host, in role order. */
  hosts: SplitNnHost[];
  arbiter: SplitNnArbiter;
}

const wire = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;
const list = (x: Float32Array | readonly Float32Array[]): readonly Float32Array[] => (x instanceof Float32Array ? [x] : x);

/**
 * Creates the parties over aligned rows (guest features + labels, each host's features: one array,
 * or one per host in the order of config.hostFeatures).
 * @example const parties = createSplitNn(config, guestX, labels, hostX);
 */
export function createSplitNn(config: SplitNnConfig, guestFeatures: Float32Array, labels: Uint8Array, hostFeatures: Float32Array | readonly Float32Array[]): SplitNnParties {
  const hosts = list(hostFeatures).map((x, h) => new SplitNnHost(x, config, h));
  return { guest: new SplitNnGuest(guestFeatures, labels, config), host: hosts[0]!, hosts, arbiter: new SplitNnArbiter(config) };
}

/**
 * One training step with every message JSON round-tripped as it would travel.
 * @example const { loss } = runSplitNnStep(parties);
 */
export function runSplitNnStep({ guest, hosts, arbiter }: SplitNnParties): SplitNnStepResult {
  hosts.forEach((host, h) => {
    const triples = arbiter.trainTriples(host.step, h);
    host.receiveTriples(wire(triples.host));
    guest.receiveTriples(wire(triples.guest));
  });
  const opens = hosts.map((host) => wire(host.trainOpen()));
  const shares = hosts.map((host, h) => wire(host.trainShare(wire(guest.trainOpen(h)))));
  const { message: _first, messages, ...result } = guest.trainForward(opens, shares);
  guest.trainFinish(hosts.map((host, h) => wire(host.trainBackward(wire(messages[h])))));
  return result;
}

/**
 * Classes predicted for aligned rows every party holds (e.g. a test set), through the same
 * masked interactive layer. @example const predicted = predictSplitNn(parties, 'test-1', gx, hx);
 */
export function predictSplitNn(
  { guest, hosts, arbiter }: SplitNnParties,
  session: string,
  guestFeatures: Float32Array,
  hostFeatures: Float32Array | readonly Float32Array[],
): Int32Array {
  const rows = guestFeatures.length / guest.config.guestFeatures;
  const features = list(hostFeatures);
  hosts.forEach((host, h) => {
    const triples = arbiter.predictTriples(session, rows, h);
    host.receiveTriples(wire(triples.host));
    guest.receiveTriples(wire(triples.guest));
  });
  const opens = hosts.map((host, h) => wire(host.predictOpen(session, features[h]!)));
  const shares = hosts.map((host, h) => wire(host.predictShare(session, wire(guest.predictOpen(session, h)))));
  return guest.predict(session, guestFeatures, opens, shares);
}
