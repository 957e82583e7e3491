// A simulated hetero LR party's data: its share of @flotilla/data's vertical MNIST simulation.
import { simulateVerticalMnist } from '@flotilla/data';
import type { SimulatedPartyTable, VerticalSimulation } from '@flotilla/data';

/**
 * The guest's (left columns, labels) or host's (right columns) table, as a real party would load
 * its own. @example const data = await simulatedPartyData('host', { rows: 2000, seed: 3 });
 */
export async function simulatedPartyData(role: 'guest' | 'host', options: VerticalSimulation = {}): Promise<SimulatedPartyTable> {
  const both = await simulateVerticalMnist(options);
  return both[role];
}
