// Command-line options of `npm run load`: a fleet of light clients that speak the real protocol.

import { parseArgs } from 'node:util';
import { wsTarget, type LoadOptions } from './loadRun.ts';

export const LOAD_USAGE = `Usage: npm run load -- --clients N --url URL [--url URL …] [options]

Light clients: the real protocol (hello, heartbeats, plans, binary updates of the task's size,
acks, resumption), no model and no data. Prints connections held, heartbeat round trips
(WebSocket ping to pong) p50/p99, round times and memory per process.

  --url URL, --edges URL…   coordinators or edges to connect to (http(s)/ws(s), /ws optional);
                            client i goes to the (i mod n)-th
  --clients N               light clients in all (default 100)
  --processes P             processes sharing them (default 1)
  --task ID                 the task to join (default: whichever the coordinator assigns)
  --join-token T            client join token (default: $FLOTILLA_JOIN_TOKEN)
  --examples N              examples each client claims (default 100)
  --train-ms MS             simulated training per plan (default 1000)
  --slow-fraction F         share of clients that take --slow-factor× as long (default 0)
  --slow-factor X           (default 4)
  --dropout P               chance per plan of dropping mid-training, then resuming (default 0)
  --reconnect-ms MS         mean wait before a dropped client comes back (default 2000)
  --ramp N                  new connections per second (default 500)
  --duration S              seconds to hold the load (default 60)
  --report-every S          seconds between progress lines (default 5)
  --source-addresses K      loopback source addresses to spread over (default: one per 200 clients
                            when the target is loopback, so per-address limits are not what is measured)
  --seed N                  which clients are slow and which plans drop (default 1)
  --json FILE               also write the final summary as JSON
`;

export interface LoadArgs { options: Omit<LoadOptions, 'firstClient'>; processes: number; json: string | null }

/** Thrown for a bad flag; main prints it with the usage and exits 2. */
export class LoadUsageError extends Error {}

/**
 * Parses `npm run load` flags.
 * @example parseLoadArgs(['--clients', '1000', '--url', 'http://127.0.0.1:8080']).options.clients // 1000
 */
export function parseLoadArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): LoadArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv, allowPositionals: false, strict: true,
      options: {
        url: { type: 'string', multiple: true }, edges: { type: 'string', multiple: true },
        clients: { type: 'string' }, processes: { type: 'string' }, task: { type: 'string' }, 'join-token': { type: 'string' },
        examples: { type: 'string' }, 'train-ms': { type: 'string' }, 'slow-fraction': { type: 'string' }, 'slow-factor': { type: 'string' },
        dropout: { type: 'string' }, 'reconnect-ms': { type: 'string' }, ramp: { type: 'string' }, duration: { type: 'string' },
        'report-every': { type: 'string' }, 'source-addresses': { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new LoadUsageError((err as Error).message);
  }
  const num = (name: keyof typeof values, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER, integer = true): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new LoadUsageError(`--${String(name)} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(raw)}`);
    }
    return n;
  };
  const urls = [...(values.url ?? []), ...(values.edges ?? [])];
  if (urls.length === 0) throw new LoadUsageError('--url (or --edges) names at least one coordinator or edge');
  let targets: string[];
  try {
    targets = urls.map(wsTarget);
  } catch {
    throw new LoadUsageError(`not a URL: ${urls.join(' ')}`);
  }
  const clients = num('clients', 100, 1, 1_000_000);
  const loopback = targets.every((t) => /^wss?:\/\/(127\.|localhost|\[::1\])/.test(t));
  const joinToken = values['join-token'] ?? env.FLOTILLA_JOIN_TOKEN;
  return {
    processes: num('processes', 1, 1, 64),
    json: values.json ?? null,
    options: {
      targets, clients,
      ...(values.task ? { taskId: values.task } : {}),
      ...(joinToken ? { joinToken } : {}),
      numExamples: num('examples', 100, 1),
      trainMs: num('train-ms', 1000, 0),
      slowFraction: num('slow-fraction', 0, 0, 1, false),
      slowFactor: num('slow-factor', 4, 1, 1000, false),
      dropout: num('dropout', 0, 0, 1, false),
      reconnectMs: num('reconnect-ms', 2000, 0),
      rampPerSecond: num('ramp', 500, 1),
      durationSec: num('duration', 60, 1),
      reportEverySec: num('report-every', 5, 1),
      sourceAddresses: num('source-addresses', loopback ? Math.ceil(clients / 200) : 0, 0, 62_500),
      seed: num('seed', 1, 0),
    },
  };
}
