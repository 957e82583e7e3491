// In-memory sample alignment: two-party PSI, and a label holder aligned with several parties.
import { fromHex } from './bytes.ts';
import { PsiError } from './errors.ts';
import { checkRecords, DEFAULT_MAX_SET_SIZE } from './messages.ts';
import type { PsiAlignmentMessage } from './messages.ts';
import { PsiParty } from './PsiParty.ts';
import type { PsiPartyOptions, PsiResult } from './PsiParty.ts';
import { POINT_BYTES } from './ristrettoBlinding.ts';

/**
 * Runs both sides of a two-party PSI in memory (the wiring a coordinator does over sockets).
 * @example
 * const { first, second } = await runTwoPartyPsi(['a', 'b', 'c'], ['b', 'c', 'd']);
 * first.ids; // the same IDs as second.ids, in the same order
 */
export async function runTwoPartyPsi(
  firstIds: readonly string[],
  secondIds: readonly string[],
  options: Omit<PsiPartyOptions, 'secret'> = {},
): Promise<{ first: PsiResult; second: PsiResult }> {
  const a = new PsiParty(firstIds, options);
  const b = new PsiParty(secondIds, options);
  const [fromA, fromB] = await Promise.all([a.blind(), b.blind()]);
  const [replyA, replyB] = await Promise.all([a.reblind(fromB), b.reblind(fromA)]);
  return { first: a.intersect(replyB), second: b.intersect(replyA) };
}

/**
 * At the label holder, after one PSI with each party (results[i] is its result with party i):
 * the rows shared by everyone, ordered by the pair-0 key, and for each party the message naming
 * those rows by that pair's double-blinded keys. Party i learns which of its IDs made the final
 * set (and so that the others lack the rest of L ∩ P_i), which multi-party alignment must reveal.
 * @example const { ids, messages } = buildAlignment([withBank, withShop]);
 */
export function buildAlignment(results: readonly PsiResult[]): { ids: string[]; messages: PsiAlignmentMessage[] } {
  if (results.length === 0) throw new PsiError('PSI_BAD_PARAMETER', 'at least one pairwise result is needed');
  const keyOf = results.map((r) => new Map(r.ids.map((id, k) => [id, r.keys[k]!])));
  const ids = results[0]!.ids.filter((id) => keyOf.every((m) => m.has(id)));
  const messages = keyOf.map((m): PsiAlignmentMessage => {
    const keys = new Uint8Array(ids.length * POINT_BYTES);
    ids.forEach((id, row) => keys.set(fromHex(m.get(id)!), row * POINT_BYTES));
    return { type: 'psi.alignment', count: ids.length, keys };
  });
  return { ids, messages };
}

/**
 * At party i: its own IDs in the label holder's final order. Every key must name a row of this
 * party's PSI result (PSI_MALFORMED otherwise), so the label holder cannot make it emit other IDs.
 * @example const rows = applyAlignment(myResult, messageFromLabelHolder);
 */
export function applyAlignment(result: PsiResult, message: PsiAlignmentMessage, maxSetSize = DEFAULT_MAX_SET_SIZE): string[] {
  const keys = checkRecords(message, 'psi.alignment', maxSetSize);
  const idOf = new Map(result.keys.map((k, i) => [k, result.ids[i]!]));
  return keys.map((k) => {
    const id = idOf.get(k);
    if (id === undefined) throw new PsiError('PSI_MALFORMED', 'alignment names a row outside our intersection');
    return id;
  });
}

/** Aligned rows of a multi-party run: the i-th entry of every list is the same person. */
export interface MultiPartyAlignment {
  labelHolder: string[];
  parties: string[][];
}

/**
 * Aligns a label holder with each other party (pairwise PSI, FATE-style star topology) and
 * then all of them on the rows everyone shares, in one order, in memory.
 * @example
 * const { labelHolder, parties } = await alignMultiParty(bankIds, [shopIds, telcoIds]);
 * // labelHolder[k], parties[0][k], parties[1][k] are the same customer
 */
export async function alignMultiParty(
  labelHolderIds: readonly string[],
  partyIds: readonly (readonly string[])[],
  options: Omit<PsiPartyOptions, 'secret'> = {},
): Promise<MultiPartyAlignment> {
  const pairs = [];
  for (const ids of partyIds) pairs.push(await runTwoPartyPsi(labelHolderIds, ids, options));
  const { ids, messages } = buildAlignment(pairs.map((p) => p.first));
  return { labelHolder: ids, parties: pairs.map((p, i) => applyAlignment(p.second, messages[i]!)) };
}
