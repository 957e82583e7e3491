// The FTL host: other features on mostly other samples, no labels; its half of the encrypted gradient exchange, and scoring its own rows.
import type { PaillierCiphertext, PaillierKeyPair, PaillierPublicKey, PaillierWorkerPool } from '@flotilla/privacy';
import { deserializePublicKey, PaillierError, serializePublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { ciphertextsFromWire, ciphertextsToWire } from '../heteroLr/encoding.ts';
import { encryptedDot } from '../heteroLr/encryptedDot.ts';
import { ftlBatch, resolveFtlConfig } from './config.ts';
import type { ResolvedFtlConfig } from './config.ts';
import type {
  FtlDecryptedGradientMessage,
  FtlHostComponentsMessage,
  FtlHostKeyMessage,
  FtlMaskedGradientMessage,
  FtlMaskedScoresMessage,
} from './messages.ts';
import { RepresentationNet } from './representation.ts';
import type { RepresentationPass } from './representation.ts';
import { addSigned, encryptPacked, encryptReal, FTL_FRACTION_BITS, mask, packedProducts, residuesFromWire, residuesToWire, slotsOf, unmask, unmaskPacked, weightOf } from './wire.ts';
import { decryptAll, expectStep } from './partyState.ts';

interface Pending {
  pass: RepresentationPass;
  from: number;
  to: number;
  masks?: bigint[];
}

/** Reads a peer's serialised public key; VFL_MALFORMED if it is not one. @example guest.receiveHostKey(peerKeyFrom(message.key)) */
export function peerKeyFrom(value: unknown): PaillierPublicKey {
  try {
    return deserializePublicKey(value);
  } catch (e) {
    if (e instanceof PaillierError) throw new VerticalError('VFL_MALFORMED', `key: ${e.message}`);
    throw e;
  }
}

/**
 * The host. It takes the guest's setup, sends [[u_B]] and [[Σ u_B u_Bᵀ]] under its own key, turns
 * the guest's encrypted components into [[∂L/∂u_B + r]] under the guest's key, decrypts the
 * guest's masked gradient for it, and trains its network on its unmasked ∂L/∂u_B. After training
 * it scores its own (non-overlap) rows with [[Φ_A]]: it learns the scores, the guest nothing.
 * @example
 * const host = new FtlHost(overlapFeatures, 21, hostKeys);
 * host.receiveSetup(guest.setup(3));
 */
export class FtlHost {
  step = 0;
  private setupDone: { config: ResolvedFtlConfig; net: RepresentationNet; peer: PaillierPublicKey; epochs: number } | undefined;
  private pending: Pending | undefined;
  private readonly scoring = new Map<string, { masks: bigint[]; rows: number }>();

  constructor(
    /** Overlap rows in the aligned order (rows × featureCount). */
    private readonly features: Float32Array,
    readonly featureCount: number,
    private readonly keys: PaillierKeyPair,
    private readonly pool?: PaillierWorkerPool,
  ) {
    if (featureCount < 1 || features.length % featureCount !== 0) throw new VerticalError('VFL_BAD_PARAMETER', 'features must be rows × featureCount');
  }

  get overlapRows(): number {
    return this.features.length / this.featureCount;
  }

  /** The guest's setup: config, overlap size (must be ours), epochs and its key. */
  receiveSetup(m: Record<string, unknown>): { config: ResolvedFtlConfig; epochs: number } {
    if (m.type !== 'ftl.setup') throw new VerticalError('VFL_MALFORMED', 'expected ftl.setup');
    if (this.setupDone) throw new VerticalError('VFL_OUT_OF_ORDER', 'ftl.setup came twice');
    if (m.overlapRows !== this.overlapRows) throw new VerticalError('VFL_MALFORMED', `setup names ${String(m.overlapRows)} overlap rows, we aligned ${this.overlapRows}`);
    if (!Number.isInteger(m.epochs) || (m.epochs as number) < 1 || (m.epochs as number) > 1000) throw new VerticalError('VFL_MALFORMED', 'epochs must be an integer in [1, 1000]');
    if (typeof m.config !== 'object' || m.config === null) throw new VerticalError('VFL_MALFORMED', 'setup must carry a config');
    let config: ResolvedFtlConfig;
    try {
      config = resolveFtlConfig(m.config as Record<string, never>);
    } catch (e) {
      if (e instanceof VerticalError) throw new VerticalError('VFL_MALFORMED', `config: ${e.message}`);
      throw e;
    }
    const peer = peerKeyFrom(m.key);
    const net = new RepresentationNet(this.featureCount, config.hidden, config.dim, config.seed * 2 + 2);
    this.setupDone = { config, net, peer, epochs: m.epochs as number };
    return { config, epochs: m.epochs as number };
  }

  /** Our public key for the guest. */
  keyMessage(): FtlHostKeyMessage {
    return { type: 'ftl.host-key', key: serializePublicKey(this.keys.publicKey) };
  }

  get config(): ResolvedFtlConfig {
    return this.state().config;
  }

  get net(): RepresentationNet {
    return this.state().net;
  }

  /** Step start: the batch's representations and the columns of their outer-product sum, packed, under our key. */
  components(): FtlHostComponentsMessage {
    const { config, net } = this.state();
    if (this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', `step ${this.step} is already under way`);
    const { dim, batchSize } = config;
    const { from, to } = ftlBatch(this.step, this.overlapRows, batchSize);
    const pass = net.forward(this.features.subarray(from * this.featureCount, to * this.featureCount), to - from);
    const key = this.keys.publicKey;
    const slots = slotsOf(key);
    const u = pass.output;
    const uB: PaillierCiphertext[] = [];
    for (let i = 0; i < to - from; i++) uB.push(...encryptPacked(key, u.subarray(i * dim, (i + 1) * dim), slots));
    const uBuB: PaillierCiphertext[] = [];
    for (let k = 0; k < dim; k++) {
      const column = new Float64Array(dim);
      for (let i = 0; i < to - from; i++) for (let j = 0; j < dim; j++) column[j]! += u[i * dim + j]! * u[i * dim + k]!;
      uBuB.push(...encryptPacked(key, column, slots));
    }
    this.pending = { pass, from, to };
    return { type: 'ftl.host-components', step: this.step, uB: ciphertextsToWire(uB, key), uBuB: ciphertextsToWire(uBuB, key) };
  }

  /** [[∂L/∂u_B,i + r]]_A = 2^F·rowTerms_i + Σ_k u_B,ik·Q_·k + (2γ/b)·u_B,i per batch row (packed), masked. */
  maskedGradient(m: Record<string, unknown>): FtlMaskedGradientMessage {
    const p = this.expectPending(m, 'ftl.guest-components');
    const { config, peer } = this.state();
    const { dim, gamma } = config;
    const b = p.to - p.from;
    const slots = slotsOf(peer);
    const chunks = Math.ceil(dim / slots);
    const rowTerms = ciphertextsFromWire(m.rowTerms, b * chunks, peer, 'rowTerms');
    const quadratic = ciphertextsFromWire(m.quadratic, dim * chunks, peer, 'quadratic');
    const u = p.pass.output;
    const lift = 1n << BigInt(FTL_FRACTION_BITS);
    const out: PaillierCiphertext[] = [];
    for (let i = 0; i < b; i++) {
      const plain = packedProducts(Array.from({ length: dim }, (_, j) => ((2 * gamma) / b) * u[i * dim + j]!), slots);
      for (let c = 0; c < chunks; c++) {
        const cs = [rowTerms[i * chunks + c]!];
        const ws = [lift];
        for (let k = 0; k < dim; k++) {
          cs.push(quadratic[k * chunks + c]!);
          ws.push(weightOf(u[i * dim + k]!));
        }
        out.push(addSigned(peer, encryptedDot(peer, cs, ws)!, plain[c]!));
      }
    }
    const { masked, masks } = mask(peer, out);
    p.masks = masks;
    return { type: 'ftl.masked-gradient', step: this.step, values: ciphertextsToWire(masked, peer) };
  }

  /** Decrypts the guest's masked values (V, W and the batch's alignment terms, packed, under our key) for it. */
  async decryptForGuest(m: Record<string, unknown>): Promise<FtlDecryptedGradientMessage> {
    const p = this.expectPending(m, 'ftl.masked-gradient');
    const { dim } = this.state().config;
    const chunks = Math.ceil(dim / slotsOf(this.keys.publicKey));
    const cs = ciphertextsFromWire(m.values, (2 + p.to - p.from) * chunks, this.keys.publicKey, 'values');
    const values = await decryptAll(this.keys, cs, this.pool);
    return { type: 'ftl.decrypted-gradient', step: this.step, values: residuesToWire(values, this.keys.publicKey) };
  }

  /** Removes our masks from what the guest decrypted and trains on ∂L/∂u_B; returns it (b × dim). */
  finish(m: Record<string, unknown>): Float64Array {
    const p = this.expectPending(m, 'ftl.decrypted-gradient');
    if (!p.masks) throw new VerticalError('VFL_OUT_OF_ORDER', 'the decrypted gradient came before the masked one was sent');
    const { config, peer, net } = this.state();
    const slots = slotsOf(peer);
    const chunks = Math.ceil(config.dim / slots);
    const residues = residuesFromWire(m.values, (p.to - p.from) * chunks, peer, 'values');
    const gradient = new Float64Array((p.to - p.from) * config.dim);
    for (let i = 0; i < p.to - p.from; i++) {
      const at = (from: number, to: number) => [residues.slice(from, to), p.masks!.slice(from, to)] as const;
      const [r, k] = at(i * chunks, (i + 1) * chunks);
      gradient.set(unmaskPacked(peer, r, k, config.dim, slots), i * config.dim);
    }
    net.backward(p.pass, gradient, config.learningRate);
    this.pending = undefined;
    this.step++;
    return gradient;
  }

  /** From [[Φ_A]]_A: [[Φ_A·u_B,j + r_j]]_A for each row of `features` (rows to score, e.g. the non-overlap ones). */
  maskedScores(m: Record<string, unknown>, features: Float32Array): FtlMaskedScoresMessage {
    const { config, net, peer } = this.state();
    if (m.type !== 'ftl.predictor' || typeof m.session !== 'string' || m.session.length > 64) throw new VerticalError('VFL_MALFORMED', 'expected ftl.predictor with a session');
    if (this.scoring.has(m.session)) throw new VerticalError('VFL_OUT_OF_ORDER', `session ${m.session} was scored already`);
    const phi = ciphertextsFromWire(m.phi, config.dim, peer, 'phi');
    const rows = features.length / this.featureCount;
    const u = net.forward(features, rows).output;
    const scores: PaillierCiphertext[] = [];
    for (let r = 0; r < rows; r++) {
      scores.push(encryptedDot(peer, phi, Array.from(u.subarray(r * config.dim, (r + 1) * config.dim), weightOf)) ?? encryptReal(peer, 0));
    }
    const { masked, masks } = mask(peer, scores);
    this.scoring.set(m.session, { masks, rows });
    return { type: 'ftl.masked-scores', session: m.session, values: ciphertextsToWire(masked, peer) };
  }

  /** The scores φ(u_B,j) of a session, from the guest's decryption of our masked ones. */
  scores(m: Record<string, unknown>): Float64Array {
    const session = this.scoring.get(m.session as string);
    if (m.type !== 'ftl.decrypted-scores' || !session) throw new VerticalError('VFL_OUT_OF_ORDER', 'decrypted scores of a session we did not ask for');
    this.scoring.delete(m.session as string);
    const { peer } = this.state();
    return unmask(peer, residuesFromWire(m.values, session.rows, peer, 'values'), session.masks);
  }

  private state(): { config: ResolvedFtlConfig; net: RepresentationNet; peer: PaillierPublicKey; epochs: number } {
    if (!this.setupDone) throw new VerticalError('VFL_OUT_OF_ORDER', 'no ftl.setup yet');
    return this.setupDone;
  }

  private expectPending(m: Record<string, unknown>, type: string): Pending {
    expectStep(m, type, this.step);
    if (!this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', `step ${this.step} has not started`);
    return this.pending;
  }
}
