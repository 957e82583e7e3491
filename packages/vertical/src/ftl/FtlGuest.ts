// The FTL guest: labels and its own features on its own samples; Φ_A, its half of the encrypted gradient exchange, scoring for the host.
import type { PaillierCiphertext, PaillierKeyPair, PaillierPublicKey, PaillierWorkerPool } from '@flotilla/privacy';
import { serializePublicKey } from '@flotilla/privacy';
import { VerticalError } from '../VerticalError.ts';
import { ciphertextsFromWire, ciphertextsToWire } from '../heteroLr/encoding.ts';
import { encryptedDot } from '../heteroLr/encryptedDot.ts';
import { ftlBatch, resolveFtlConfig } from './config.ts';
import type { FtlConfig, ResolvedFtlConfig } from './config.ts';
import { guestGradient, phiOf, signOf } from './ftlMath.ts';
import type {
  FtlDecryptedGradientMessage,
  FtlDecryptedScoresMessage,
  FtlGuestComponentsMessage,
  FtlMaskedGradientMessage,
  FtlPredictorMessage,
  FtlSetupMessage,
} from './messages.ts';
import { RepresentationNet } from './representation.ts';
import type { RepresentationPass } from './representation.ts';
import { addSigned, encryptPacked, encryptReal, mask, packedProducts, residuesFromWire, residuesToWire, slotsOf, unmaskPacked, weightOf } from './wire.ts';
import { decryptAll, expectStep } from './partyState.ts';

interface Pending {
  pass: RepresentationPass;
  phi: Float64Array;
  from: number;
  to: number;
  masks?: bigint[];
}

/**
 * The label holder. Per step it sends its components under its own key, turns the host's
 * encrypted components into its masked gradient under the host's key, decrypts the host's masked
 * gradient for it, and finally applies its own unmasked gradient to its network.
 * @example
 * const guest = new FtlGuest(features, labels, 28, overlapRows, {}, guestKeys);
 * host.receiveSetup(guest.setup(epochs)); guest.receiveHostKey(host.keyMessage());
 */
export class FtlGuest {
  readonly config: ResolvedFtlConfig;
  readonly net: RepresentationNet;
  step = 0;
  private peer: PaillierPublicKey | undefined;
  private pending: Pending | undefined;
  private readonly rows: number;

  constructor(
    private readonly features: Float32Array,
    private readonly labels: Uint8Array,
    readonly featureCount: number,
    /** Guest row of each overlap row, in the aligned order both parties share. */
    private readonly overlapRows: readonly number[],
    config: FtlConfig,
    private readonly keys: PaillierKeyPair,
    private readonly pool?: PaillierWorkerPool,
  ) {
    this.config = resolveFtlConfig(config);
    this.rows = labels.length;
    if (features.length !== this.rows * featureCount) throw new VerticalError('VFL_BAD_PARAMETER', 'features must be rows × featureCount');
    if (overlapRows.length < 1) throw new VerticalError('VFL_BAD_PARAMETER', 'FTL needs at least one overlap row');
    this.net = new RepresentationNet(featureCount, this.config.hidden, this.config.dim, this.config.seed * 2 + 1);
  }

  /** The setup message for the host. */
  setup(epochs: number): FtlSetupMessage {
    return { type: 'ftl.setup', config: this.config, overlapRows: this.overlapRows.length, epochs, key: serializePublicKey(this.keys.publicKey) };
  }

  /** Takes the host's public key (once). */
  receiveHostKey(key: PaillierPublicKey): void {
    if (this.peer) throw new VerticalError('VFL_OUT_OF_ORDER', 'the host key came twice');
    this.peer = key;
  }

  /** Steps per epoch. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.overlapRows.length / this.config.batchSize);
  }

  /** Current Φ_A over every guest row. */
  phi(): Float64Array {
    return phiOf(this.net.forward(this.features, this.rows).output, this.labels, this.config.dim);
  }

  /** Step start: forward pass over every guest row, Φ_A, and the batch's components under the guest's key (packed vectors). */
  components(): FtlGuestComponentsMessage {
    if (this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', `step ${this.step} is already under way`);
    const { dim, gamma, batchSize } = this.config;
    const pass = this.net.forward(this.features, this.rows);
    const phi = phiOf(pass.output, this.labels, dim);
    const { from, to } = ftlBatch(this.step, this.overlapRows.length, batchSize);
    const b = to - from;
    const key = this.keys.publicKey;
    const slots = slotsOf(key);
    const rowTerms: PaillierCiphertext[] = [];
    for (let i = from; i < to; i++) {
      const row = this.overlapRows[i]!;
      const y = signOf(this.labels[row]!);
      rowTerms.push(...encryptPacked(key, Array.from(phi, (p, j) => (-0.5 * y * p - 2 * gamma * pass.output[row * dim + j]!) / b), slots));
    }
    const quadratic: PaillierCiphertext[] = [];
    for (let k = 0; k < dim; k++) quadratic.push(...encryptPacked(key, Array.from(phi, (p) => (p * phi[k]!) / (4 * b)), slots));
    this.pending = { pass, phi, from, to };
    return { type: 'ftl.guest-components', step: this.step, rowTerms: ciphertextsToWire(rowTerms, key), quadratic: ciphertextsToWire(quadratic, key) };
  }

  /**
   * From the host's packed [[u_B,i]]_B and columns of [[Σ u_B u_Bᵀ]]_B, under the host's key and
   * each plus a fresh uniform mask: V = −(1/2b) Σ y_i u_B,i and W = (Σ u_B u_Bᵀ)Φ_A/4b (so
   * ∂L/∂Φ_A = V + W and the loss's logistic part is log 2 + Φ_A·V + ½Φ_A·W), and
   * (2γ/b)(u_A,i − u_B,i) per batch row. VFL_MALFORMED / VFL_BAD_CIPHERTEXT on a bad message.
   */
  maskedGradient(m: Record<string, unknown>): FtlMaskedGradientMessage {
    const p = this.expectPending(m, 'ftl.host-components');
    const peer = this.peerKey();
    const { dim, gamma } = this.config;
    const b = p.to - p.from;
    const chunks = Math.ceil(dim / slotsOf(peer));
    const uB = ciphertextsFromWire(m.uB, b * chunks, peer, 'uB');
    const uBuB = ciphertextsFromWire(m.uBuB, dim * chunks, peer, 'uBuB');
    const zero = (): PaillierCiphertext => encryptReal(peer, 0);
    const out: PaillierCiphertext[] = [];
    const ys = Array.from({ length: b }, (_, i) => weightOf((-0.5 * signOf(this.labels[this.overlapRows[p.from + i]!]!)) / b));
    for (let c = 0; c < chunks; c++) out.push(encryptedDot(peer, ys.map((_, i) => uB[i * chunks + c]!), ys) ?? zero());
    const phiWeights = Array.from(p.phi, (x) => weightOf(x / (4 * b)));
    for (let c = 0; c < chunks; c++) out.push(encryptedDot(peer, phiWeights.map((_, k) => uBuB[k * chunks + c]!), phiWeights) ?? zero());
    const slots = slotsOf(peer);
    const lower = weightOf((-2 * gamma) / b);
    for (let i = 0; i < b; i++) {
      const row = this.overlapRows[p.from + i]!;
      const plain = packedProducts(Array.from({ length: dim }, (_, j) => ((2 * gamma) / b) * p.pass.output[row * dim + j]!), slots);
      for (let c = 0; c < chunks; c++) out.push(addSigned(peer, encryptedDot(peer, [uB[i * chunks + c]!], [lower]) ?? zero(), plain[c]!));
    }
    const { masked, masks } = mask(peer, out);
    p.masks = masks;
    return { type: 'ftl.masked-gradient', step: this.step, values: ciphertextsToWire(masked, peer) };
  }

  /** Decrypts the host's masked gradient ([[∂L/∂u_B + r]]_A, one packed vector per batch row) for it. */
  async decryptForHost(m: Record<string, unknown>): Promise<FtlDecryptedGradientMessage> {
    const p = this.expectPending(m, 'ftl.masked-gradient');
    const chunks = Math.ceil(this.config.dim / slotsOf(this.keys.publicKey));
    const cs = ciphertextsFromWire(m.values, (p.to - p.from) * chunks, this.keys.publicKey, 'values');
    const values = await decryptAll(this.keys, cs, this.pool);
    return { type: 'ftl.decrypted-gradient', step: this.step, values: residuesToWire(values, this.keys.publicKey) };
  }

  /** Removes its masks from what the host decrypted, applies the gradient; returns the step's loss. */
  finish(m: Record<string, unknown>): number {
    const p = this.expectPending(m, 'ftl.decrypted-gradient');
    if (!p.masks) throw new VerticalError('VFL_OUT_OF_ORDER', 'the decrypted gradient came before the masked one was sent');
    const peer = this.peerKey();
    const { dim, learningRate, gamma } = this.config;
    const b = p.to - p.from;
    const slots = slotsOf(peer);
    const chunks = Math.ceil(dim / slots);
    const residues = residuesFromWire(m.values, (2 + b) * chunks, peer, 'values');
    const read = (index: number): Float64Array => unmaskPacked(peer, residues.slice(index * chunks, (index + 1) * chunks), p.masks!.slice(index * chunks, (index + 1) * chunks), dim, slots);
    const v = read(0);
    const w = read(1);
    const alignment = new Float64Array(b * dim);
    for (let i = 0; i < b; i++) alignment.set(read(2 + i), i * dim);
    const byPhi = Float64Array.from(v, (x, j) => x + w[j]!);
    let loss = Math.LN2;
    for (let j = 0; j < dim; j++) loss += p.phi[j]! * (v[j]! + 0.5 * w[j]!);
    // (γ/b) Σ ‖u_A − u_B‖² from a_i = (2γ/b)(u_A,i − u_B,i): (b/4γ) Σ ‖a_i‖².
    if (gamma > 0) for (const a of alignment) loss += (b / (4 * gamma)) * a * a;
    const gradient = guestGradient(byPhi, alignment, this.labels, this.overlapRows.slice(p.from, p.to), dim);
    this.net.backward(p.pass, gradient, learningRate);
    this.pending = undefined;
    this.step++;
    return loss;
  }

  /** [[Φ_A]]_A, so that the host can score its rows without seeing Φ_A. */
  predictor(session: string): FtlPredictorMessage {
    const key = this.keys.publicKey;
    return { type: 'ftl.predictor', session, phi: ciphertextsToWire(Array.from(this.phi(), (x) => encryptReal(key, x)), key) };
  }

  /** Decrypts the host's masked scores (uniform to the guest) for it. */
  async decryptScores(m: Record<string, unknown>, session: string, rows: number): Promise<FtlDecryptedScoresMessage> {
    if (m.type !== 'ftl.masked-scores' || m.session !== session) throw new VerticalError('VFL_OUT_OF_ORDER', `expected the masked scores of ${session}`);
    const cs = ciphertextsFromWire(m.values, rows, this.keys.publicKey, 'values');
    const values = await decryptAll(this.keys, cs, this.pool);
    return { type: 'ftl.decrypted-scores', session, values: residuesToWire(values, this.keys.publicKey) };
  }

  private peerKey(): PaillierPublicKey {
    if (!this.peer) throw new VerticalError('VFL_OUT_OF_ORDER', 'no host key yet');
    return this.peer;
  }

  private expectPending(m: Record<string, unknown>, type: string): Pending {
    expectStep(m, type, this.step);
    if (!this.pending) throw new VerticalError('VFL_OUT_OF_ORDER', `step ${this.step} has not started`);
    return this.pending;
  }
}

