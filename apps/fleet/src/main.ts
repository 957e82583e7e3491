// `npm run fleet`: simulated fleets of clients against a Flotilla coordinator.

import { USAGE, UsageError, parseFleetArgs } from './args.ts';
import { runFleet } from './runFleet.ts';

try {
  const args = parseFleetArgs(process.argv.slice(2));
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const summary = await runFleet(args, undefined, abort.signal);
  process.exit(summary.state === 'failed' ? 1 : 0);
} catch (err) {
  if (err instanceof UsageError) {
    if (err.message) process.stderr.write(`${err.message}\n\n`);
    process.stderr.write(USAGE);
    process.exit(2);
  }
  process.stderr.write(`fleet failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
