// A Node fleet with Byzantine clients against a coordinator it starts: the clients chosen by the seed
// train with the attack, the round still commits under a robust strategy, the summary names them.
import { describe, expect, it } from 'vitest';
import { byzantineClients } from '@flotilla/client';
import { parseFleetArgs } from './args.ts';
import type { FleetReporter } from './report.ts';
import { runFleet } from './runFleet.ts';

const quiet: FleetReporter = { info: () => {}, warn: () => {}, round: () => {}, baseline: () => {} };

describe('a Byzantine Node fleet', () => {
  it('runs 2 of 5 clients as sign-flippers under fedmedian and says which', async () => {
    // Arrange
    const args = parseFleetArgs([
      '--node', '--clients', '5', '--threads', '1', '--fraction', '1', '--rounds', '1', '--target', '0', '--examples-per-client', '60',
      '--test-limit', '500', '--no-baseline', '--strategy', 'fedmedian', '--byzantine', '0.4', '--attack', 'signflip', '--seed', '4',
    ], {});
    // Act
    const summary = await runFleet(args, quiet);
    // Assert
    expect(summary.byzantine).toEqual({ attack: { name: 'signflip', params: { factor: 10, std: 1 } }, fraction: 0.4, clients: byzantineClients(5, 0.4, 4) });
    expect(summary.byzantine?.clients).toHaveLength(2);
    expect(summary.rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', 5]]);
  }, 120_000);
});
