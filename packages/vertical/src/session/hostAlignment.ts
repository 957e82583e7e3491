// Sample alignment over the channel with one or more hosts: pairwise PSI, then the guest's final row list.
import { fromHex, toHex } from '../psi/bytes.ts';
import { applyAlignment, buildAlignment } from '../psi/alignment.ts';
import type { PsiResult } from '../psi/PsiParty.ts';
import type { HostRole } from '../roles.ts';
import { VerticalError } from '../VerticalError.ts';
import type { VerticalChannel } from './channel.ts';
import { align } from './heteroLrParty.ts';

/** The aligned rows a party trains on: its own IDs in the order every party shares. */
export type AlignedIds = Pick<PsiResult, 'ids' | 'size'>;

/**
 * At the guest: PSI with each host (all at once; the mailbox keeps the streams apart). With one
 * host that is the whole alignment, as before; with several, the guest keeps the rows every host
 * shares (`buildAlignment`) and sends each host its `psi.alignment`, naming those rows by that
 * pair's double-blinded keys.
 * @example const rows = await alignWithHosts(channel, ['host', 'host-2'], data.ids);
 */
export async function alignWithHosts(channel: VerticalChannel, hosts: readonly HostRole[], ids: string[]): Promise<AlignedIds> {
  const results = await Promise.all(hosts.map((h) => align(channel, h, ids)));
  if (hosts.length === 1) return results[0]!;
  const { ids: shared, messages } = buildAlignment(results);
  messages.forEach((m, p) => channel.send(hosts[p]!, { type: 'psi.alignment', count: m.count, keys: toHex(m.keys) }));
  return { ids: shared, size: shared.length };
}

/**
 * At a host: PSI with the guest, and with other hosts in the job the guest's final list
 * (`applyAlignment` accepts only rows of our own intersection with the guest). A host learns
 * which of its IDs made the final set, which is what multi-party alignment must reveal.
 */
export async function alignWithGuest(channel: VerticalChannel, hostCount: number, ids: string[]): Promise<AlignedIds> {
  const result = await align(channel, 'guest', ids);
  if (hostCount === 1) return result;
  const m = await channel.receive('guest', 'psi.alignment');
  const hex = m.keys;
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) throw new VerticalError('VFL_MALFORMED', 'keys must be lowercase hex');
  const rows = applyAlignment(result, { type: 'psi.alignment', count: m.count as number, keys: fromHex(hex) });
  return { ids: rows, size: rows.length };
}
