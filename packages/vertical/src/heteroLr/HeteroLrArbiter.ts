// The arbiter of hetero LR: holds the Paillier secret key, decrypts only masked gradients and the batch loss.
import { DEFAULT_PAILLIER_BITS, generatePaillierKeyPair, serializePublicKey } from '@flotilla/privacy';
import type { PaillierPrivateKey, PaillierWorkerPool } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { ciphertextsFromWire, fromResidue, RESIDUAL_FRACTION_BITS } from './encoding.ts';
import { expectMessage } from './messages.ts';
import type { HeteroLrDecryptedGradientMessage, HeteroLrPublicKeyMessage, HeteroLrRole } from './messages.ts';

/** Options of {@link HeteroLrArbiter.create}. */
export interface HeteroLrArbiterOptions {
  /** Paillier modulus size: 2048 by default; 1024 is for tests. */
  bits?: number;
  /** Gradient length each party must send: the guest's features + 1 (intercept), each host's features (`host`, `host-2`, …). */
  gradientLengths: Partial<Record<HeteroLrRole, number>>;
}

/**
 * The trusted third party of FATE's hetero LR (semi-honest, not colluding): generates the key
 * pair, and decrypts what the parties send — a gradient under a mask uniform in Z_n, so what it
 * reads is itself uniform in Z_n and says nothing about the gradient, and the batch's total loss
 * (a scalar, for progress and stopping). At most one decryption per party per step, of the agreed
 * length, so a party cannot use it as a general decryption oracle for the residuals.
 * @example
 * const arbiter = await HeteroLrArbiter.create({ gradientLengths: { guest: 99, host: 98 } });
 * broadcast(arbiter.publicKeyMessage());
 * reply(arbiter.decryptGradient(maskedFromHost));
 */
export class HeteroLrArbiter {
  private readonly servedSteps = new Map<HeteroLrRole, number>();
  private lossStep = -1;

  private constructor(
    private readonly privateKey: PaillierPrivateKey,
    private readonly lengths: Partial<Record<HeteroLrRole, number>>,
  ) {}

  /** Generates the key pair (seconds at 2048 bits). */
  static async create(options: HeteroLrArbiterOptions): Promise<HeteroLrArbiter> {
    const bits = options.bits ?? DEFAULT_PAILLIER_BITS;
    const { privateKey } = await generatePaillierKeyPair({ bits });
    return new HeteroLrArbiter(privateKey, { ...options.gradientLengths });
  }

  /** The public key for guest and hosts. */
  publicKeyMessage(): HeteroLrPublicKeyMessage {
    return { type: 'hetero-lr.public-key', key: serializePublicKey(this.privateKey.publicKey) };
  }

  /**
   * Decrypts a masked gradient for the party that sent it. Steps must increase per party
   * (VFL_OUT_OF_ORDER), the length must be the agreed one (VFL_MALFORMED) and every entry a valid
   * ciphertext (VFL_BAD_CIPHERTEXT).
   */
  decryptGradient(message: unknown): HeteroLrDecryptedGradientMessage {
    const { party, step, ciphertexts } = this.checkGradient(message);
    return this.served(party, step, ciphertexts.map((c) => this.privateKey.decrypt(c)));
  }

  /** As {@link decryptGradient}, with the decryptions spread over a worker pool (one per core). */
  async decryptGradientOn(workers: PaillierWorkerPool, message: unknown): Promise<HeteroLrDecryptedGradientMessage> {
    const { party, step, ciphertexts } = this.checkGradient(message);
    return this.served(party, step, await workers.decrypt(this.privateKey, ciphertexts));
  }

  private checkGradient(message: unknown): { party: HeteroLrRole; step: number; ciphertexts: bigint[] } {
    const m = expectMessage(message, 'hetero-lr.masked-gradient');
    const party = m.party;
    const length = typeof party === 'string' && Object.hasOwn(this.lengths, party) ? this.lengths[party as HeteroLrRole] : undefined;
    if (length === undefined) throw new VerticalError('VFL_MALFORMED', `party must be one of ${Object.keys(this.lengths).join(', ')}`);
    const step = m.step;
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new VerticalError('VFL_MALFORMED', 'step must be a natural number');
    if (step <= (this.servedSteps.get(party as HeteroLrRole) ?? -1)) throw new VerticalError('VFL_OUT_OF_ORDER', `step ${step} of the ${party} was already decrypted`);
    const ciphertexts = ciphertextsFromWire(m.gradient, length, this.privateKey.publicKey, 'gradient');
    // Taken before any decryption starts, so a second message for the step is refused even while a pool works on the first.
    this.servedSteps.set(party as HeteroLrRole, step);
    return { party: party as HeteroLrRole, step, ciphertexts };
  }

  private served(party: HeteroLrRole, step: number, plaintexts: bigint[]): HeteroLrDecryptedGradientMessage {
    return { type: 'hetero-lr.decrypted-gradient', step, party, values: plaintexts.map((m) => m.toString(16)) };
  }

  /** The mean Taylor loss of a batch, from the guest's encrypted sum. */
  decryptLoss(message: unknown): number {
    const m = expectMessage(message, 'hetero-lr.encrypted-loss');
    const { step, rows } = m;
    if (typeof step !== 'number' || !Number.isInteger(step) || step <= this.lossStep) {
      throw new VerticalError('VFL_OUT_OF_ORDER', 'loss steps must increase');
    }
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) throw new VerticalError('VFL_MALFORMED', 'rows must be a positive integer');
    const key = this.privateKey.publicKey;
    const [c] = ciphertextsFromWire([m.loss], 1, key, 'loss');
    this.lossStep = step;
    return fromResidue(this.privateKey.decrypt(c!), key.n, RESIDUAL_FRACTION_BITS) / rows;
  }
}
