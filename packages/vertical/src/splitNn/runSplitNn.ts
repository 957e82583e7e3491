// In-memory wiring of a split NN run (guest, host, arbiter): what a coordinator relays over sockets.
import { SplitNnArbiter } from './SplitNnArbiter.ts';
import { SplitNnGuest } from './SplitNnGuest.ts';
import type { SplitNnStepResult } from './SplitNnGuest.ts';
import { SplitNnHost } from './SplitNnHost.ts';
import type { SplitNnConfig } from './model.ts';

/** The three parties of a split NN run. */
export interface SplitNnParties {
  guest: SplitNnGuest;
  host: SplitNnHost;
  arbiter: SplitNnArbiter;
}

const wire = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T;

/**
 * Creates the parties over aligned rows (guest features + labels, host features).
 * @example const parties = createSplitNn(config, guestX, labels, hostX);
 */
export function createSplitNn(config: SplitNnConfig, guestFeatures: Float32Array, labels: Uint8Array, hostFeatures: Float32Array): SplitNnParties {
  return { guest: new SplitNnGuest(guestFeatures, labels, config), host: new SplitNnHost(hostFeatures, config), arbiter: new SplitNnArbiter(config) };
}

/**
 * One training step with every message JSON round-tripped as it would travel.
 * @example const { loss } = runSplitNnStep(parties);
 */
export function runSplitNnStep({ guest, host, arbiter }: SplitNnParties): SplitNnStepResult {
  const triples = arbiter.trainTriples(host.step);
  host.receiveTriples(wire(triples.host));
  guest.receiveTriples(wire(triples.guest));
  const hostOpen = wire(host.trainOpen());
  const share = wire(host.trainShare(wire(guest.trainOpen())));
  const { message, ...result } = guest.trainForward(hostOpen, share);
  guest.trainFinish(wire(host.trainBackward(wire(message))));
  return result;
}

/**
 * Classes predicted for aligned rows both parties hold (e.g. a test set), through the same
 * masked interactive layer. @example const predicted = predictSplitNn(parties, 'test-1', gx, hx);
 */
export function predictSplitNn({ guest, host, arbiter }: SplitNnParties, session: string, guestFeatures: Float32Array, hostFeatures: Float32Array): Int32Array {
  const rows = guestFeatures.length / guest.config.guestFeatures;
  const triples = arbiter.predictTriples(session, rows);
  host.receiveTriples(wire(triples.host));
  guest.receiveTriples(wire(triples.guest));
  const hostOpen = wire(host.predictOpen(session, hostFeatures));
  const share = wire(host.predictShare(session, wire(guest.predictOpen(session))));
  return guest.predict(session, guestFeatures, hostOpen, share);
}
