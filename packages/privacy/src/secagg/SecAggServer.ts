// The server role of secure aggregation: relays, tracks U1 ⊇ U2 ⊇ U3 ⊇ U4, unmasks only the sum.
import { createWordSum, type WordSum } from '@flotilla/core';
import { PrivacyError } from '../PrivacyError.ts';
import { equalBytes, randomBytes } from '../bytes.ts';
import { importX25519SecretKey, x25519SharedSecret } from '../crypto/x25519.ts';
import { type ShamirShare, decodeShareValue } from '../shamir/shamir.ts';
import { type MaskTerm, SHARE_BOX_BYTES, applyMasks, deriveMaskSeed, isClientId, tooFew } from './masking.ts';
import { holdersOf, secAggPlusGraph, validateParams } from './params.ts';
import { Reconstructor } from './Reconstructor.ts';
import type {
  AdvertiseKeysMessage,
  EncryptedShare,
  KeysBroadcastMessage,
  MaskedInputMessage,
  PeerKeys,
  SecAggParams,
  SecAggResult,
  SecAggStage,
  SharesDeliveryMessage,
  ShareKeysMessage,
  UnmaskMessage,
  UnmaskRequestMessage,
} from './types.ts';

/**
 * The coordinator's side of a SecAgg round (semi-honest server, Bonawitz et al. 2017 Fig. 4):
 * `receive*` takes one client's message, `close*` ends a stage (at the deadline or when all
 * arrived) and returns what to send next. It holds only public keys, boxes it cannot open, a running
 * sum of masked vectors (memory O(model)) and, at the end, the unmasked sum. Fewer than t live
 * clients at any stage → SECAGG_TOO_FEW_SURVIVORS and the stage becomes `failed`.
 * @example
 * const server = new SecAggServer(params);
 * for (const m of adverts) server.receiveAdvertise(m);
 * const broadcasts = server.closeAdvertise();   // Map id → KeysBroadcastMessage
 * // … receiveShares / closeShares, receiveMaskedInput / closeMaskedInputs, receiveUnmask …
 * const { sum, survivors } = await server.finish();
 */
export class SecAggServer {
  #stage: SecAggStage = 'advertise';
  #keys = new Map<number, PeerKeys>();
  #u1: number[] = [];
  #graph: Map<number, number[]> | null = null;
  #graphSeed: Uint8Array | undefined;
  #holders = new Map<number, number[]>();
  #boxes = new Map<number, readonly EncryptedShare[]>();
  #u2: number[] = [];
  #u2Set = new Set<number>();
  /** Σ masked inputs mod 2^32, on the SIMD kernel where the runtime has it (bit for bit as JS). */
  #sum: WordSum;
  #u3 = new Set<number>();
  #seedShares = new Map<number, ShamirShare[]>();
  #keyShares = new Map<number, ShamirShare[]>();
  #u4 = new Set<number>();
  #finishing = false;

  constructor(readonly params: SecAggParams) {
    validateParams(params);
    this.#sum = createWordSum(params.vectorLength);
  }

  /** The stage whose messages the server accepts next (`done` or `failed` at the end). */
  get stage(): SecAggStage {
    return this.#stage;
  }

  /** Sizes of U1…U4 so far, for the dashboard. */
  get progress(): { stage: SecAggStage; advertised: number; shared: number; uploaded: number; unmasked: number } {
    return {
      stage: this.#stage,
      advertised: this.#keys.size,
      shared: this.#stage === 'share' ? this.#boxes.size : this.#u2.length,
      uploaded: this.#u3.size,
      unmasked: this.#u4.size,
    };
  }

  /** Round 0: records a client's two public keys; a second advertisement from an id is rejected. */
  receiveAdvertise(msg: AdvertiseKeysMessage): void {
    this.#enter('advertise');
    if (!isClientId(msg.id) || this.#keys.has(msg.id)) this.#reject(`advertisement from ${msg.id}`);
    if (msg.encryptionPublicKey.length !== 32 || msg.maskingPublicKey.length !== 32) this.#reject('public keys must be 32 bytes');
    this.#keys.set(msg.id, { id: msg.id, encryptionPublicKey: msg.encryptionPublicKey, maskingPublicKey: msg.maskingPublicKey });
  }

  /** Ends round 0: U1 is who advertised. Returns, per client, the keys of its holders. */
  closeAdvertise(): Map<number, KeysBroadcastMessage> {
    this.#enter('advertise');
    return this.#abortOnError(() => {
      this.#u1 = [...this.#keys.keys()].sort((a, b) => a - b);
      if (this.params.mode.kind === 'plus') {
        this.#graphSeed = randomBytes(32);
        this.#graph = secAggPlusGraph(this.#u1, this.params.mode.neighbours, this.#graphSeed);
      }
      // In `full` mode every client's holders are all of U1: one shared array.
      for (const u of this.#u1) this.#holders.set(u, this.#graph ? holdersOf(u, this.#u1, this.#graph) : this.#u1);
      this.#checkAlive('advertise', this.#u1, new Set(this.#u1));
      const out = new Map<number, KeysBroadcastMessage>();
      for (const u of this.#u1) {
        const peers = this.#holders.get(u)!.map((v) => this.#keys.get(v)!);
        out.set(u, { participants: this.#u1, peers, ...(this.#graphSeed ? { graphSeed: this.#graphSeed } : {}) });
      }
      this.#stage = 'share';
      return out;
    });
  }

  /** Accepts a client's boxes: exactly one per holder, each from the sender, of the right size. */
  receiveShares(msg: ShareKeysMessage): void {
    this.#enter('share');
    const holders = this.#holders.get(msg.id);
    if (!holders || this.#boxes.has(msg.id)) this.#reject(`shares from ${msg.id}`);
    const expected = new Set(holders!.filter((v) => v !== msg.id));
    for (const box of msg.shares) {
      if (box.from !== msg.id || !expected.delete(box.to) || box.ciphertext.length !== SHARE_BOX_BYTES) {
        this.#reject(`share box ${box.from}→${box.to} from ${msg.id}`);
      }
    }
    if (expected.size > 0) this.#reject(`client ${msg.id} left out ${expected.size} holders`);
    this.#boxes.set(msg.id, msg.shares);
  }

  /** Ends round 1: U2 is who sent shares. Returns, per client in U2, the boxes addressed to it. */
  closeShares(): Map<number, SharesDeliveryMessage> {
    this.#enter('share');
    return this.#abortOnError(() => {
      this.#u2 = [...this.#boxes.keys()].sort((a, b) => a - b);
      this.#u2Set = new Set(this.#u2);
      this.#checkAlive('share', this.#u2, this.#u2Set);
      const inbox = new Map<number, EncryptedShare[]>(this.#u2.map((v) => [v, []]));
      for (const u of this.#u2) for (const box of this.#boxes.get(u)!) inbox.get(box.to)?.push(box);
      this.#boxes.clear();
      this.#stage = 'mask';
      return new Map([...inbox].map(([v, shares]) => [v, { shares }]));
    });
  }

  /** Adds a masked vector into the running sum (memory O(model), not O(clients × model)). */
  receiveMaskedInput(msg: MaskedInputMessage): void {
    this.#enter('mask');
    if (!this.#holders.has(msg.id) || !this.#u2Set.has(msg.id) || this.#u3.has(msg.id)) this.#reject(`masked input from ${msg.id}`);
    if (!(msg.masked instanceof Uint32Array) || msg.masked.length !== this.params.vectorLength) {
      this.#reject(`masked input of ${msg.id} must be a Uint32Array of ${this.params.vectorLength} words`);
    }
    this.#sum.add(msg.masked);
    this.#u3.add(msg.id);
  }

  /** Ends round 2: U3 is who uploaded; their inputs are the ones summed. */
  closeMaskedInputs(): UnmaskRequestMessage {
    this.#enter('mask');
    return this.#abortOnError(() => {
      const survivors = [...this.#u3].sort((a, b) => a - b);
      this.#checkAlive('mask', survivors, this.#u3);
      this.#stage = 'unmask';
      return { survivors };
    });
  }

  /** Stores revealed shares; a client revealing both kinds for one peer is rejected outright. */
  receiveUnmask(msg: UnmaskMessage): void {
    this.#enter('unmask');
    if (!this.#u3.has(msg.id) || this.#u4.has(msg.id)) this.#reject(`unmasking shares from ${msg.id}`);
    const seen = new Set<number>();
    const parse = (list: UnmaskMessage['selfMaskShares'], wantSurvivor: boolean): [number, ShamirShare][] =>
      list.map(({ of, share }) => {
        const held = this.#holders.get(of);
        if (!held || !held.includes(msg.id) || !this.#u2Set.has(of) || this.#u3.has(of) !== wantSurvivor || seen.has(of)) {
          this.#reject(`client ${msg.id} revealed an unexpected share of ${of}`);
        }
        seen.add(of);
        return [of, { x: msg.id, y: decodeShareValue(share) }];
      });
    const seeds = parse(msg.selfMaskShares, true);
    const keys = parse(msg.secretKeyShares, false);
    for (const [of, s] of seeds) push(this.#seedShares, of, s);
    for (const [of, s] of keys) push(this.#keyShares, of, s);
    this.#u4.add(msg.id);
  }

  /**
   * Ends round 3: reconstructs b_u of every survivor and s_u^SK of every client that shared but did
   * not upload (checked against its advertised public key), removes their masks and returns the sum.
   */
  async finish(): Promise<SecAggResult> {
    this.#enter('unmask');
    this.#finishing = true; // no late share may change the sets while the masks are removed
    try {
      const survivors = [...this.#u3].sort((a, b) => a - b);
      this.#checkAlive('unmask', this.#u2, this.#u4);
      const t = this.params.threshold;
      const reconstruct = new Reconstructor(t);
      const terms: MaskTerm[] = [];
      for (const u of survivors) terms.push({ seed: reconstruct.bytes(this.#seedShares.get(u) ?? []), sign: -1 });
      const droppedAfterSharing = this.#u2.filter((u) => !this.#u3.has(u));
      for (const u of droppedAfterSharing) terms.push(...(await this.#pairwiseMasksOf(u, reconstruct)));
      await applyMasks(this.#sum, terms, this.params.backend);
      this.#stage = 'done';
      return {
        sum: this.#sum.words,
        survivors,
        dropped: {
          beforeSharing: this.#u1.filter((u) => !this.#u2Set.has(u)),
          afterSharing: droppedAfterSharing,
          afterUpload: survivors.filter((u) => !this.#u4.has(u)),
        },
      };
    } catch (e) {
      this.#stage = 'failed';
      throw e;
    }
  }

  /** The masks survivors v paired with dropout u: v added +PRG(s_uv) if u > v, −PRG(s_uv) if u < v. */
  async #pairwiseMasksOf(u: number, reconstruct: Reconstructor): Promise<MaskTerm[]> {
    const secretKey = reconstruct.bytes(this.#keyShares.get(u) ?? []);
    const pair = await importX25519SecretKey(secretKey, this.params.backend);
    if (!equalBytes(pair.publicKey, this.#keys.get(u)!.maskingPublicKey)) {
      throw new PrivacyError('SECAGG_BAD_SHARE', `reconstructed key of ${u} does not match its public key`);
    }
    const partners = this.#holders.get(u)!.filter((v) => v !== u && this.#u3.has(v));
    return Promise.all(
      partners.map(async (v): Promise<MaskTerm> => {
        const secret = await x25519SharedSecret(pair, this.#keys.get(v)!.maskingPublicKey, this.params.backend);
        return { seed: deriveMaskSeed(secret, this.params.sessionId), sign: u > v ? -1 : 1 };
      }),
    );
  }

  /** Every client whose secrets may be needed keeps ≥ t live holders (all of U in `full`). */
  #checkAlive(stage: string, needed: readonly number[], alive: ReadonlySet<number>): void {
    const t = this.params.threshold;
    if (alive.size < t) throw tooFew(stage, alive.size, t);
    if (!this.#graph) return;
    for (const u of needed) {
      let live = 0;
      for (const v of this.#holders.get(u)!) if (alive.has(v)) live++;
      if (live < t) throw tooFew(stage, live, t, { client: u });
    }
  }

  #abortOnError<T>(body: () => T): T {
    try {
      return body();
    } catch (e) {
      this.#stage = 'failed';
      throw e;
    }
  }

  #enter(stage: SecAggStage): void {
    if (this.#finishing && this.#stage === 'unmask') throw new PrivacyError('SECAGG_WRONG_STAGE', 'server is finishing');
    if (this.#stage !== stage) throw new PrivacyError('SECAGG_WRONG_STAGE', `server is at ${this.#stage}, not ${stage}`);
  }

  #reject(what: string): never {
    throw new PrivacyError('SECAGG_BAD_MESSAGE', `rejected ${what}`);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
