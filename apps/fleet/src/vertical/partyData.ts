// A Node vertical party's data: its share of @flotilla/data's vertical MNIST simulation, or its own CSV table.
import { readFile, stat } from 'node:fs/promises';
import { parsePartyCsv, PartyTableError, simulateVerticalMnist } from '@flotilla/data';
import type { LabelTask, PartyCsvTable, SimulatedPartyTable, VerticalPartyTable, VerticalSimulation } from '@flotilla/data';
import { hostIndex, simulateFtlMnist, VerticalError } from '@flotilla/vertical';
import type { FtlSimulation, VerticalAlgorithm } from '@flotilla/vertical';

/**
 * The guest's (left columns, labels) or a host's (its band of columns) table, as a real party
 * would load its own. @example const data = await simulatedPartyData('host-2', { rows: 2000, seed: 3, hosts: 2 });
 */
export async function simulatedPartyData(role: string, options: VerticalSimulation = {}): Promise<SimulatedPartyTable> {
  const tables = await simulateVerticalMnist(options);
  if (role === 'guest') return tables.guest;
  const index = hostIndex(role, options.hosts ?? 1);
  if (index < 0) throw new VerticalError('VFL_BAD_PARAMETER', `${role} is not a data-holding role of this job`);
  return tables.hosts[index]!;
}

/** The guest's or the host's table of an FTL simulation (mostly different people, see simulateFtlMnist). */
export async function simulatedFtlPartyData(role: string, options: FtlSimulation = {}): Promise<VerticalPartyTable> {
  if (role !== 'guest' && role !== 'host') throw new VerticalError('VFL_BAD_PARAMETER', `${role} is not a role of an FTL job (guest, host)`);
  const tables = await simulateFtlMnist(options);
  return role === 'guest' ? tables.guest : tables.host;
}

/** Files past this are refused before reading: the row cap would refuse them anyway, after filling memory. */
const MAX_FILE_BYTES = 2 ** 30;

/**
 * A party's own CSV table (see parsePartyCsv), read before joining so that a bad file never
 * touches the job; the guest's label values become classes once the job's algorithm is known
 * (assignClasses with {@link labelTaskOf}). PartyTableError on a bad file.
 * @example const table = await ownPartyData('bank.csv', 'guest', { idColumn: 'customer' });
 */
export async function ownPartyData(path: string, role: string, columns: { idColumn?: string; labelColumn?: string } = {}): Promise<PartyCsvTable> {
  if ((await stat(path)).size > MAX_FILE_BYTES) throw new PartyTableError('VFL_CSV_TOO_LARGE', `${path} is over ${MAX_FILE_BYTES} bytes`);
  return parsePartyCsv(await readFile(path, 'utf8'), { ...columns, ...(role === 'guest' ? { labels: 'later' } : {}) });
}

/** Two classes for hetero LR and FTL, K for the split NN. */
export const labelTaskOf = (algorithm: VerticalAlgorithm): LabelTask => (algorithm === 'split-nn' ? 'classes' : 'binary');

/** The line a party prints (and the page shows) once its table is loaded; no value of the table, only its shape. */
export function describeTable(table: PartyCsvTable): string {
  const classes = table.classNames ? `, ${table.classNames.length} classes (${table.classNames.slice(0, 10).join(', ')}${table.classNames.length > 10 ? ', …' : ''})` : '';
  return `${table.ids.length} rows, ${table.featureCount} feature columns${classes}`;
}
