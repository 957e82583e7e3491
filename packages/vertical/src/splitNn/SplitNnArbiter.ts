// The arbiter of the split NN: deals Beaver triples for the interactive layer, sees no data at all.
import { VerticalError } from '../VerticalError.ts';
import { beaverTriple } from './beaver.ts';
import type { SplitNnGuestTriplesMessage, SplitNnHostTriplesMessage } from './messages.ts';
import { trainSession } from './messages.ts';
import { resolveSplitNnConfig, splitNnBatch } from './model.ts';
import type { ResolvedSplitNnConfig, SplitNnConfig } from './model.ts';
import { ringToWire } from './ring.ts';

/**
 * Trusted dealer (the "trusted third party" of the seed, non-colluding): for each session it
 * draws two matrix triples, one for z_h = a_h·W_h (forward) and one for ∇W_h = a_hᵀ·δ
 * (backward), and sends each party its half. It never receives a message from the parties, so it
 * learns nothing about features, embeddings, weights or gradients. Triples can be dealt ahead.
 * @example
 * const { host, guest } = arbiter.trainTriples(step);
 * toHost(host); toGuest(guest);
 */
export class SplitNnArbiter {
  readonly config: ResolvedSplitNnConfig;

  constructor(config: SplitNnConfig) {
    this.config = resolveSplitNnConfig(config);
  }

  /**
   * Triples of training step `step` for host `host` (index in role order; its batch size follows
   * from the config). Every host gets its own, independent triples: one host's masks say nothing
   * about another's.
   */
  trainTriples(step: number, host = 0): { host: SplitNnHostTriplesMessage; guest: SplitNnGuestTriplesMessage } {
    const { start, end } = splitNnBatch(step, this.config);
    return this.triples(trainSession(step), end - start, true, host);
  }

  /** Forward-only triples for scoring `rows` rows under a session name both parties use. */
  predictTriples(session: string, rows: number, host = 0): { host: SplitNnHostTriplesMessage; guest: SplitNnGuestTriplesMessage } {
    return this.triples(session, rows, false, host);
  }

  private triples(session: string, m: number, backward: boolean, index: number): { host: SplitNnHostTriplesMessage; guest: SplitNnGuestTriplesMessage } {
    if (!Number.isInteger(index) || index < 0 || index >= this.config.hostFeatures.length) throw new VerticalError('VFL_BAD_PARAMETER', `no host ${index} in this run`);
    const k = this.config.embeddingUnits;
    const o = this.config.interactiveUnits;
    const [fl, fr] = beaverTriple(m, k, o);
    const host: SplitNnHostTriplesMessage = { type: 'split-nn.host-triples', session, forward: { a: ringToWire(fl.a), z: ringToWire(fl.z) } };
    const guest: SplitNnGuestTriplesMessage = { type: 'split-nn.guest-triples', session, host: index, forward: { b: ringToWire(fr.b), z: ringToWire(fr.z) } };
    if (backward) {
      const [bl, br] = beaverTriple(k, m, o);
      host.backward = { a: ringToWire(bl.a), z: ringToWire(bl.z) };
      guest.backward = { b: ringToWire(br.b), z: ringToWire(br.z) };
    }
    return { host, guest };
  }
}
