// The client role of secure aggregation (Bonawitz et al., CCS 2017; SecAgg+ of Bell et al., CCS 2020).
import { PrivacyError } from '../PrivacyError.ts';
import { equalBytes, randomBytes } from '../bytes.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { aeadDecrypt, aeadEncrypt } from '../crypto/aead.ts';
import { type X25519KeyPair, generateX25519KeyPair, x25519SharedSecret } from '../crypto/x25519.ts';
import { decodeShareValue, encodeShareValue, shamirSplitBytes } from '../shamir/shamir.ts';
import {
  type MaskTerm,
  SHARE_BOX_BYTES,
  applyMasks,
  checkIdList,
  decodeSharePlaintext,
  deriveMaskSeed,
  deriveShareKey,
  encodeSharePlaintext,
  shareAad,
  tooFew,
} from './masking.ts';
import { holdersOf, secAggPlusGraph, validateParams } from './params.ts';
import type {
  AdvertiseKeysMessage,
  EncryptedShare,
  KeysBroadcastMessage,
  MaskedInputMessage,
  PeerKeys,
  RevealedShare,
  SecAggParams,
  SecAggStage,
  SharesDeliveryMessage,
  ShareKeysMessage,
  UnmaskMessage,
  UnmaskRequestMessage,
} from './types.ts';

/**
 * One client's side of a SecAgg round, as a transport-agnostic state machine: each method takes
 * the server's message for the stage and returns the reply. Rounds must be called in order, once.
 * The client never reveals both the self-mask share and the key share of the same peer.
 * @example
 * const client = new SecAggClient(7, params);
 * const adv = await client.advertiseKeys();              // → server
 * const shares = await client.shareKeys(broadcast);      // ← keys of U1, → encrypted shares
 * const masked = await client.maskInput(delivery, input); // ← boxes from U2, → y_u
 * const reveal = await client.unmask(request);           // ← U3, → shares for unmasking
 */
export class SecAggClient {
  #stage: SecAggStage = 'advertise';
  #busy = false;
  #encryption: X25519KeyPair | null = null;
  #masking: X25519KeyPair | null = null;
  #selfMaskSeed: Uint8Array | null = null;
  #peers = new Map<number, PeerKeys>();
  #holders: number[] = [];
  #shareKeys = new Map<number, Uint8Array>();
  #ownShares: { keyShare: Uint8Array; seedShare: Uint8Array } | null = null;
  #received = new Map<number, Uint8Array>();

  constructor(
    readonly id: number,
    readonly params: SecAggParams,
  ) {
    validateParams(params);
    checkIdList([id], 'client id');
  }

  /** The stage whose input the client expects next. */
  get stage(): SecAggStage {
    return this.#stage;
  }

  /** Round 0: two fresh X25519 key pairs, (c^PK, s^PK) advertised. */
  async advertiseKeys(): Promise<AdvertiseKeysMessage> {
    return this.#run('advertise', async () => {
      const [enc, mask] = await Promise.all([
        generateX25519KeyPair(this.params.backend),
        generateX25519KeyPair(this.params.backend),
      ]);
      this.#encryption = enc;
      this.#masking = mask;
      this.#stage = 'share';
      return { id: this.id, encryptionPublicKey: enc.publicKey, maskingPublicKey: mask.publicKey };
    });
  }

  /**
   * Round 1: Shamir-shares s_u^SK and a fresh self-mask seed b_u among the holders (all of U1, or
   * the graph neighbours in SecAgg+) and seals each holder's pair of shares under c_uv.
   */
  async shareKeys(broadcast: KeysBroadcastMessage): Promise<ShareKeysMessage> {
    return this.#run('share', async () => {
      const participants = checkIdList(broadcast.participants, 'participants');
      if (!participants.includes(this.id)) throw new PrivacyError('SECAGG_BAD_MESSAGE', `client ${this.id} is not in U1`);
      const graph = this.#graph(participants, broadcast.graphSeed);
      this.#holders = holdersOf(this.id, participants, graph);
      if (this.#holders.length < this.params.threshold) {
        throw tooFew('share', this.#holders.length, this.params.threshold);
      }
      this.#acceptPeers(broadcast.peers);
      this.#selfMaskSeed = randomBytes(32);
      const t = this.params.threshold;
      const keyShares = shamirSplitBytes(this.#masking!.secretKey, t, this.#holders);
      const seedShares = shamirSplitBytes(this.#selfMaskSeed, t, this.#holders);
      const sealOne = async (v: number, keyShare: Uint8Array, seedShare: Uint8Array): Promise<EncryptedShare> => {
        const secret = await x25519SharedSecret(this.#encryption!, this.#peers.get(v)!.encryptionPublicKey, this.params.backend);
        const key = deriveShareKey(secret, this.params.sessionId);
        this.#shareKeys.set(v, key);
        const plaintext = encodeSharePlaintext(this.id, v, keyShare, seedShare);
        const ciphertext = await aeadEncrypt(key, plaintext, shareAad(this.params.sessionId, this.id, v), this.params.backend);
        return { from: this.id, to: v, ciphertext };
      };
      const pending: Promise<EncryptedShare>[] = [];
      for (let i = 0; i < this.#holders.length; i++) {
        const v = this.#holders[i]!;
        const keyShare = encodeShareValue(keyShares[i]!.y);
        const seedShare = encodeShareValue(seedShares[i]!.y);
        if (v === this.id) this.#ownShares = { keyShare, seedShare };
        else pending.push(sealOne(v, keyShare, seedShare)); // concurrent: WebCrypto work overlaps
      }
      const shares = await Promise.all(pending);
      this.#stage = 'mask';
      return { id: this.id, shares };
    });
  }

  /**
   * Round 2: stores the boxes from U2 (opened only when unmasking) and returns
   * y_u = x_u + PRG(b_u) + Σ_{v∈U2, v>u} PRG(s_uv) − Σ_{v∈U2, v<u} PRG(s_uv) mod 2^32.
   * `input` is the fixed-point encoded update (see encodeFixedPoint).
   */
  async maskInput(delivery: SharesDeliveryMessage, input: Uint32Array): Promise<MaskedInputMessage> {
    return this.#run('mask', async () => {
      if (input.length !== this.params.vectorLength) {
        throw new PrivacyError('SECAGG_BAD_CONFIG', `input has ${input.length} words, expected ${this.params.vectorLength}`);
      }
      for (const box of delivery.shares) {
        if (box.to !== this.id || box.from === this.id || !this.#shareKeys.has(box.from) || this.#received.has(box.from)) {
          throw new PrivacyError('SECAGG_BAD_MESSAGE', `unexpected share box ${box.from}→${box.to}`);
        }
        if (box.ciphertext.length !== SHARE_BOX_BYTES) throw new PrivacyError('SECAGG_BAD_MESSAGE', 'share box has the wrong size');
        this.#received.set(box.from, box.ciphertext);
      }
      // U2 as seen from here: the holders whose boxes arrived, and this client.
      const alive = this.#received.size + 1;
      if (alive < this.params.threshold) throw tooFew('mask', alive, this.params.threshold);
      const pairwise = await Promise.all(
        [...this.#received.keys()].map(async (v): Promise<MaskTerm> => {
          const secret = await x25519SharedSecret(this.#masking!, this.#peers.get(v)!.maskingPublicKey, this.params.backend);
          return { seed: deriveMaskSeed(secret, this.params.sessionId), sign: v > this.id ? 1 : -1 };
        }),
      );
      const terms: MaskTerm[] = [{ seed: this.#selfMaskSeed!, sign: 1 }, ...pairwise];
      const masked = input.slice();
      await applyMasks(masked, terms, this.params.backend);
      this.#stage = 'unmask';
      return { id: this.id, masked };
    });
  }

  /**
   * Round 3: for each holder peer v in U2, reveals v's b-share if v ∈ U3 (its input is in the sum)
   * and v's s^SK-share otherwise (its pairwise masks must be removed). Aborts if this client is
   * not in U3, if U3 ⊄ U2, or if |U3| < t. Callable once: the client answers a single U3.
   */
  async unmask(request: UnmaskRequestMessage): Promise<UnmaskMessage> {
    return this.#run('unmask', async () => {
      const survivors = new Set(checkIdList(request.survivors, 'survivors'));
      if (!survivors.has(this.id)) throw new PrivacyError('SECAGG_BAD_MESSAGE', `client ${this.id} is not among the survivors`);
      const u2 = new Set([...this.#received.keys(), this.id]);
      let alive = 0;
      for (const v of survivors) {
        if (!this.#holders.includes(v)) continue;
        if (!u2.has(v)) throw new PrivacyError('SECAGG_BAD_MESSAGE', `survivor ${v} never shared keys`);
        alive++;
      }
      if (alive < this.params.threshold) throw tooFew('unmask', alive, this.params.threshold);
      const selfMaskShares: RevealedShare[] = [];
      const secretKeyShares: RevealedShare[] = [];
      const reveal = (of: number, keyShare: Uint8Array, seedShare: Uint8Array): void => {
        if (survivors.has(of)) selfMaskShares.push({ of, share: seedShare });
        else secretKeyShares.push({ of, share: keyShare });
      };
      reveal(this.id, this.#ownShares!.keyShare, this.#ownShares!.seedShare);
      const opened = await Promise.all(
        [...this.#received].map(async ([v, box]) => {
          const key = this.#shareKeys.get(v)!;
          const plaintext = await aeadDecrypt(key, box, shareAad(this.params.sessionId, v, this.id), this.params.backend);
          return [v, decodeSharePlaintext(plaintext, v, this.id)] as const;
        }),
      );
      for (const [v, { keyShare, seedShare }] of opened) {
        decodeShareValue(keyShare);
        decodeShareValue(seedShare);
        reveal(v, keyShare, seedShare);
      }
      this.#stage = 'done';
      return { id: this.id, selfMaskShares, secretKeyShares };
    });
  }

  #graph(participants: readonly number[], seed: Uint8Array | undefined): Map<number, number[]> | null {
    if (this.params.mode.kind === 'full') return null;
    if (!seed || seed.length !== 32) throw new PrivacyError('SECAGG_BAD_MESSAGE', 'SecAgg+ needs a 32-byte graph seed');
    return secAggPlusGraph(participants, this.params.mode.neighbours, seed);
  }

  /** Exactly the holders' keys, ours echoed unchanged, all keys pairwise distinct (Bonawitz Fig. 4). */
  #acceptPeers(peers: readonly PeerKeys[]): void {
    const ids = checkIdList(peers.map((p) => p.id), 'peers');
    if (ids.length !== this.#holders.length || ids.some((id, i) => id !== this.#holders[i])) {
      throw new PrivacyError('SECAGG_BAD_MESSAGE', 'peer keys do not match the holder set');
    }
    const seen = new Set<string>();
    for (const p of peers) {
      for (const k of [p.encryptionPublicKey, p.maskingPublicKey]) {
        const hex = bytesToHex(k);
        if (k.length !== 32 || seen.has(hex)) {
          throw new PrivacyError('SECAGG_BAD_MESSAGE', `peer ${p.id} has a malformed or repeated key`);
        }
        seen.add(hex);
      }
      this.#peers.set(p.id, p);
    }
    const own = this.#peers.get(this.id)!;
    if (!equalBytes(own.encryptionPublicKey, this.#encryption!.publicKey) || !equalBytes(own.maskingPublicKey, this.#masking!.publicKey)) {
      throw new PrivacyError('SECAGG_BAD_MESSAGE', 'the server echoed keys that are not ours');
    }
  }

  /**
   * Runs one stage: refuses a call out of order or while another is in flight (so two concurrent
   * unmask requests cannot both be answered), and ends the round for this client on any failure.
   */
  async #run<T>(stage: SecAggStage, body: () => Promise<T>): Promise<T> {
    if (this.#stage !== stage || this.#busy) {
      throw new PrivacyError('SECAGG_WRONG_STAGE', `client is at ${this.#stage}${this.#busy ? ' (busy)' : ''}, not ${stage}`);
    }
    this.#busy = true;
    try {
      return await body();
    } catch (e) {
      this.#stage = 'failed';
      throw e;
    } finally {
      this.#busy = false;
    }
  }
}
