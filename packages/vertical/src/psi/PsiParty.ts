// One party of two-party ECDH private set intersection over ristretto255 (pure message passing).
import { permuteRecords, randomPermutation, recordKeys } from './bytes.ts';
import { PsiError } from './errors.ts';
import { checkRecords, DEFAULT_MAX_SET_SIZE } from './messages.ts';
import type { PsiBlindedSet, PsiReblindedSet } from './messages.ts';
import { blindIds, POINT_BYTES, PSI_DST, randomScalar, reblindPoints } from './ristrettoBlinding.ts';

/** Where the point arithmetic runs: in this thread by default, or a worker pool. */
export interface PsiCompute {
  blind(ids: readonly string[], secret: bigint, dst: string): Promise<Uint8Array>;
  reblind(points: Uint8Array, secret: bigint): Promise<Uint8Array>;
}

/** Options of {@link PsiParty}. */
export interface PsiPartyOptions {
  /** Defaults to {@link inThreadPsiCompute}. */
  compute?: PsiCompute;
  /** Hash-to-curve domain-separation tag; both parties must agree. Default {@link PSI_DST}. */
  dst?: string;
  /** Largest peer set accepted (PSI_TOO_LARGE above). Default 10,000,000. */
  maxSetSize?: number;
  /** Fixed secret scalar in [1, ℓ), for tests and resumption only; random by default. */
  secret?: bigint;
}

/** What a party learns: its own IDs in the intersection, in the order both sides agree on. */
export interface PsiResult {
  /** Own IDs shared with the peer, sorted by their double-blinded value (the same order at the peer). */
  ids: string[];
  size: number;
  /** Hex of the double-blinded value H(x)^{ab} of each row of `ids`; equal at both parties. */
  keys: string[];
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Runs blinding in this thread in chunks (64 IDs ≈ 0.1 s), yielding between chunks so a page
 * stays responsive; prefer a worker pool for large sets.
 * @example new PsiParty(ids, { compute: inThreadPsiCompute(256) })
 */
export function inThreadPsiCompute(chunkSize = 64): PsiCompute {
  const chunks = async (total: number, run: (start: number, end: number) => Uint8Array): Promise<Uint8Array> => {
    const out = new Uint8Array(total * POINT_BYTES);
    for (let start = 0; start < total; start += chunkSize) {
      const end = Math.min(total, start + chunkSize);
      out.set(run(start, end), start * POINT_BYTES);
      if (end < total) await yieldToEventLoop();
    }
    return out;
  };
  return {
    blind: (ids, secret, dst) => chunks(ids.length, (s, e) => blindIds(ids.slice(s, e), secret, dst)),
    reblind: (points, secret) =>
      chunks(points.length / POINT_BYTES, (s, e) => reblindPoints(points.subarray(s * POINT_BYTES, e * POINT_BYTES), secret)),
  };
}

/**
 * ECDH-PSI (Meadows, IEEE S&P 1986; Huberman–Franklin–Hogg, EC 1999), as in FATE's ECDH
 * intersection: each party hashes its IDs to ristretto255 (RFC 9380), raises them to a secret a,
 * shuffles and sends them; raises the peer's points to a and sends them back in the peer's order;
 * then matches H(x)^{ab}. Under DDH in ristretto255 a party learns the intersection and the size of
 * the peer's set, and nothing about the peer's other IDs; the shuffle hides the peer's input order.
 * Both parties learn the same intersection, in the same order (sorted by H(x)^{ab}).
 * @example
 * const alice = new PsiParty(['u1', 'u2', 'u3']);
 * const bob = new PsiParty(['u2', 'u3', 'u4']);
 * const [fromAlice, fromBob] = [await alice.blind(), await bob.blind()];
 * const [replyAlice, replyBob] = [await alice.reblind(fromBob), await bob.reblind(fromAlice)];
 * alice.intersect(replyBob).ids; // ['u3', 'u2'] or ['u2', 'u3'], the same at bob.intersect(replyAlice)
 */
export class PsiParty {
  private readonly ids: readonly string[];
  private readonly secret: bigint;
  private readonly compute: PsiCompute;
  private readonly dst: string;
  private readonly maxSetSize: number;
  /** Record k of our blinded message is ids[sentOrder[k]]. */
  private sentOrder: Uint32Array | undefined;
  /** Hex keys of H(y)^{ba} for every peer ID. */
  private peerKeys: Set<string> | undefined;

  constructor(ids: readonly string[], options: PsiPartyOptions = {}) {
    const seen = new Set<string>();
    for (const id of ids) {
      if (typeof id !== 'string') throw new PsiError('PSI_BAD_PARAMETER', 'IDs must be strings');
      if (seen.has(id)) throw new PsiError('PSI_DUPLICATE_ID', 'IDs must be unique within a party');
      seen.add(id);
    }
    this.ids = [...ids];
    this.secret = options.secret ?? randomScalar();
    this.compute = options.compute ?? inThreadPsiCompute();
    this.dst = options.dst ?? PSI_DST;
    this.maxSetSize = options.maxSetSize ?? DEFAULT_MAX_SET_SIZE;
  }

  /** Number of own IDs (the peer learns it from our message). */
  get size(): number {
    return this.ids.length;
  }

  /** Step 1: our IDs as H(x)^a in a fresh random order. Call once. */
  async blind(): Promise<PsiBlindedSet> {
    if (this.sentOrder) throw new PsiError('PSI_OUT_OF_ORDER', 'blind() was already called');
    const perm = randomPermutation(this.ids.length);
    this.sentOrder = perm;
    const blinded = await this.compute.blind(this.ids, this.secret, this.dst);
    return { type: 'psi.blinded', count: this.ids.length, points: permuteRecords(blinded, POINT_BYTES, perm) };
  }

  /** Step 2: the peer's points raised to our secret, in the peer's order. Call once. */
  async reblind(theirs: PsiBlindedSet): Promise<PsiReblindedSet> {
    if (this.peerKeys) throw new PsiError('PSI_OUT_OF_ORDER', 'reblind() was already called');
    checkRecords(theirs, 'psi.blinded', this.maxSetSize);
    const points = await this.compute.reblind(theirs.points, this.secret);
    this.peerKeys = new Set(recordKeys(points, POINT_BYTES));
    return { type: 'psi.reblinded', count: theirs.count, points };
  }

  /** Step 3: given the peer's reply to our blinded set, our IDs in the intersection, in agreed order. */
  intersect(reply: PsiReblindedSet): PsiResult {
    if (!this.sentOrder || !this.peerKeys) throw new PsiError('PSI_OUT_OF_ORDER', 'call blind() and reblind() first');
    const keys = checkRecords(reply, 'psi.reblinded', this.maxSetSize);
    if (keys.length !== this.ids.length) throw new PsiError('PSI_MALFORMED', 'reply does not answer our blinded set');
    const rows: { key: string; id: string }[] = [];
    for (let k = 0; k < keys.length; k++) {
      if (this.peerKeys.has(keys[k]!)) rows.push({ key: keys[k]!, id: this.ids[this.sentOrder[k]!]! });
    }
    rows.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    return { ids: rows.map((r) => r.id), size: rows.length, keys: rows.map((r) => r.key) };
  }
}
