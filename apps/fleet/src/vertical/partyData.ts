// A simulated hetero LR party's data: its share of @flotilla/data's vertical MNIST simulation.
import { simulateVerticalMnist } from '@flotilla/data';
import type { VerticalSimulation } from '@flotilla/data';
import { hostIndex, VerticalError } from '@flotilla/vertical';
import type { VerticalPartyTable } from '@flotilla/vertical';

/**
 * The guest's (left columns, labels) or a host's (its band of columns) table, as a real party
 * would load its own; `options.hosts` says how many bands there are.
 * @example const data = await simulatedPartyData('host-2', { rows: 2000, seed: 3, hosts: 2 });
 */
export async function simulatedPartyData(role: string, options: VerticalSimulation = {}): Promise<VerticalPartyTable> {
  const tables = await simulateVerticalMnist(options);
  if (role === 'guest') return tables.guest;
  const index = hostIndex(role, options.hosts ?? 1);
  if (index < 0) throw new VerticalError('VFL_BAD_PARAMETER', `${role} is not a data-holding role of this job`);
  return tables.hosts[index]!;
}
