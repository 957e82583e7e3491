// Command-line options of `npm run fleet`, and the task configuration they describe.

import { parseArgs } from 'node:util';
import { ATTACKS, parseAttack, type Attack } from '@flotilla/client';
import { parsePartitionSpec } from '@flotilla/data';
import type { CodecSpec, TaskConfigInput } from '@flotilla/protocol';
import { parseCodecArg } from './codecArgs.ts';
import { readOperatorToken } from './operatorToken.ts';
import { HETEROGENEITY_OPTIONS, HETEROGENEITY_USAGE, applyHeterogeneity } from './heterogeneityArgs.ts';
import { CONTRIBUTION_OPTIONS, CONTRIBUTION_USAGE, applyContribution } from './contributionArgs.ts';
import { parseStrategyArgs, strategyHelp } from './strategyArgs.ts';

export interface FleetArgs {
  node: boolean;
  clients: number;
  threads: number;
  url: string | null;
  taskId: string | null;
  dataDir: string | null;
  dropout: number;
  seed: number;
  summaryJson: string | null;
  waitBaseline: boolean;
  /** How long the fleet waits for a coordinator it lost (crash, restart) before it gives up. */
  reconnectForS: number;
  /** Operator token for the coordinator's REST API and event stream. */
  token: string | null;
  /** Client join token, when the coordinator requires one. */
  joinToken: string | null;
  /** `--state-dir DIR`: Node clients keep their personal models under DIR/personal (default: in memory). */
  stateDir: string | null;
  task: TaskConfigInput;
  /**
   * `--data DIR`: Node clients on their own files, one per entry of DIR (a CSV, a folder of
   * images, a text file), read with the task's schema; null for the MNIST simulation.
   */
  clientData: string | null;
  /** `--schema FILE`: the data schema (JSON) of the task the fleet creates for `--data`. */
  schemaFile: string | null;
  /** A fraction of the clients (chosen by --seed) mounting an attack; null without --byzantine. */
  byzantine: { fraction: number; attack: Attack; text: string } | null;
  /** `--duplicate K`: client K trains on client 0's partition (two clients holding the same data); null without. */
  duplicate: number | null;
  /**
   * `--slow-fraction P --slow-factor X`: a fraction P of the clients (chosen by --seed) are X× slower.
   * Node clients wait (X − 1)× their training time after each training (no core used); tabs get --slow/--cpu-throttle.
   */
  slow: { fraction: number; factor: number };
  /** Browser fleets (without --node): see apps/fleet/src/browser. */
  browser: { slow: number; cpuThrottle: number; network: string | null; backend: string | null; chromium: string | null; headed: boolean; webgpu: boolean };
}

export const USAGE = `Usage: npm run fleet -- [--node] [options]

  --node                   headless Node clients (one process, worker threads)
  --clients N              number of clients K (default 100; with --data, one per entry of DIR)
  --threads N              worker threads hosting them (default 2)
  --url URL                a running coordinator; without it the fleet starts its own
  --token T                its operator token (default: $FLOTILLA_OPERATOR_TOKEN, else the token file
                           a local coordinator keeps in --data-dir or .flotilla)
  --join-token T           its client join token, if it needs one (default: $FLOTILLA_JOIN_TOKEN)
  --task ID                join an existing task instead of creating one
  --data-dir DIR           data directory of the coordinator the fleet starts (default: a temp dir)
  --data DIR               Node clients on their own files (needs --node): one client per entry of DIR,
                           a CSV file, a folder of images (one sub-folder per class) or a .txt file,
                           each read with the task's schema; a client whose file does not fit does not join
  --schema FILE            with --data and without --task: the task's data schema (JSON) for the task
                           the fleet creates (no dataset, no simulation: clients bring their own data)
  --partition P            iid | shards | shards:K | dirichlet:ALPHA (default iid)
  --examples-per-client N  cap each client's examples (iid, dirichlet)
  --model M                mnist-2nn | mnist-cnn | schema:ARCH with ARCH mlp | cnn | logreg | lstm | gru
                           (default mnist-2nn; with --data: schema:cnn for images, schema:mlp for tables,
                           schema:lstm for text)
  --strategy S             aggregation strategy (default fedavg; its parameters in brackets):
${strategyHelp('                             ')}
  --strategy-param K=V     a parameter of the strategy, e.g. byzantine=2 for krum (repeatable; default: the strategy's)
  --byzantine P            a fraction P of the clients (chosen by --seed) attack (default 0)
  --attack A[:VALUE]       what they do (default signflip):
${Object.entries(ATTACKS).map(([name, a]) => `                             ${name.padEnd(10)} ${a.description}`).join('\n')}
  --fraction C             fraction of clients per round (default 0.1)
  --secagg full|plus       secure aggregation (SecAgg, or SecAgg+ with O(log n) neighbours)
  --async K[:C]            buffered asynchronous training (FedBuff): a version per K updates, up to C
                           clients training at once (default C: the clients a round would select);
                           --rounds then counts versions
  --uplink CODEC           update codec: float32 | float16 | int8[:tensor|channel] | topk[:FRACTION] | qsgd[:LEVELS]
  --downlink CODEC         model codec: float32 | float16 | int8[:tensor|channel]; --downlink-delta sends
                           the model as a delta against the version a client holds where smaller
  --epochs E --batch B --lr LR --mu MU   local training (defaults 1, 10, 0.05, 0)
  --rounds N               round budget (default 200)
  --target ACC             stop at this test accuracy (default 0.97; 0 disables)
  --deadline-ms MS         reporting deadline per round (default 60000)
  --min-reports N          fewer reports abandon the round (default 1)
  --test-limit N           test examples for evaluation (default 10000)
  --dropout P              probability a selected client drops out mid-round (default 0)
  --slow-fraction P --slow-factor X   a fraction P of the clients train X× slower (default X = 4); for tabs
                           the same as --slow P --cpu-throttle X
  --state-dir DIR          keep each client's personal models (DIR/personal) and top-k residuals (DIR/residual)
                           in files, across fleet restarts
${HETEROGENEITY_USAGE}${CONTRIBUTION_USAGE}  --no-baseline            skip the centralized baseline
  --baseline-max-epochs N  epoch cap of the baseline (default 30)
  --no-wait-baseline       write the summary without waiting for the baseline
  --seed N                 seed of partitions, sampling and initial weights (default 1)
  --summary-json FILE      write the whole run (per-round records, baseline, final δ) as JSON
  --reconnect-for S        how long to wait for a --url coordinator that crashed or restarts (default 900)

Without --node: one Chromium tab per client, each in its own browser context (build the web app first: npm run build:web)
  --dropout P              probability a selected tab closes or goes offline mid-round (it comes back)
  --slow P --cpu-throttle X  make a fraction P of the tabs X× slower (default X = 4): CDP CPU throttling
                           of the page, and the worker idles (X − 1)× each batch's time
  --network PROFILE        3g | 4g | wifi | latency:MS,down:KBPS,up:KBPS (CDP network emulation)
  --backend B              force webgpu | webgl | wasm | cpu in every tab (default: each tab's ladder)
  --chromium PATH          browser binary (default $FLOTILLA_CHROMIUM or /usr/bin/chromium)
  --headed                 show the browser
  --webgpu                 offer WebGPU to the tabs (on Linux without a GPU: SwiftShader, slow to probe)
`;

export function parseFleetArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): FleetArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      node: { type: 'boolean', default: false },
      clients: { type: 'string' },
      threads: { type: 'string', default: '2' },
      url: { type: 'string' },
      token: { type: 'string' },
      'join-token': { type: 'string' },
      task: { type: 'string' },
      'data-dir': { type: 'string' },
      data: { type: 'string' },
      schema: { type: 'string' },
      partition: { type: 'string', default: 'iid' },
      'examples-per-client': { type: 'string' },
      model: { type: 'string' },
      strategy: { type: 'string', default: 'fedavg' },
      'strategy-param': { type: 'string', multiple: true, default: [] },
      secagg: { type: 'string' },
      async: { type: 'string' },
      uplink: { type: 'string' },
      downlink: { type: 'string' },
      'downlink-delta': { type: 'boolean', default: false },
      fraction: { type: 'string', default: '0.1' },
      epochs: { type: 'string', default: '1' },
      batch: { type: 'string', default: '10' },
      lr: { type: 'string', default: '0.05' },
      mu: { type: 'string', default: '0' },
      rounds: { type: 'string', default: '200' },
      target: { type: 'string', default: '0.97' },
      'deadline-ms': { type: 'string', default: '60000' },
      'min-reports': { type: 'string', default: '1' },
      'test-limit': { type: 'string', default: '10000' },
      dropout: { type: 'string', default: '0' },
      'state-dir': { type: 'string' },
      byzantine: { type: 'string', default: '0' },
      attack: { type: 'string', default: 'signflip' },
      'no-baseline': { type: 'boolean', default: false },
      'baseline-max-epochs': { type: 'string', default: '30' },
      'no-wait-baseline': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      'summary-json': { type: 'string' },
      'reconnect-for': { type: 'string', default: '900' },
      slow: { type: 'string', default: '0' },
      'cpu-throttle': { type: 'string', default: '4' },
      network: { type: 'string' },
      backend: { type: 'string' },
      chromium: { type: 'string' },
      headed: { type: 'boolean', default: false },
      webgpu: { type: 'boolean', default: false },
      'slow-fraction': { type: 'string' },
      'slow-factor': { type: 'string' },
      ...HETEROGENEITY_OPTIONS,
      ...CONTRIBUTION_OPTIONS,
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError('');
  const int = (name: string, v: string, min = 0) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  const num = (name: string, v: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got ${v}`);
    return n;
  };
  const clientData = values.data ?? null;
  if (clientData !== null) {
    if (!values.node) throw new UsageError('--data runs Node clients: add --node');
    if (values.clients !== undefined) throw new UsageError('--data starts one client per entry of DIR: leave out --clients');
    if (Number(values.byzantine) > 0) throw new UsageError('--byzantine simulates attackers on MNIST partitions; it does not combine with --data');
    if (values.duplicate !== undefined) throw new UsageError('--duplicate copies a simulated partition; with --data each client brings its own files');
    if (values.task === undefined && values.schema === undefined) throw new UsageError('--data needs the task\'s schema: join a task with --task ID, or create one with --schema FILE');
  } else if (values.schema !== undefined) throw new UsageError('--schema describes the files of --data DIR');
  if (values.task !== undefined && values.schema !== undefined) throw new UsageError('--schema creates a task; a task joined with --task has its own');
  if (values.task !== undefined && values.contribution !== undefined) throw new UsageError('--contribution configures the task the fleet creates; a task joined with --task has its own');
  // With --data the count is known once DIR is read; runFleet fills it in.
  const clients = clientData === null ? int('clients', values.clients ?? '100', 1) : 1;
  const modelText = values.model ?? (clientData === null ? 'mnist-2nn' : 'auto');
  const model = parseModel(modelText);
  const strategy = parseStrategyArgs(values.strategy, values['strategy-param'], (message) => new UsageError(message));
  const seed = int('seed', values.seed);
  const dropout = num('dropout', values.dropout, 0, 1);
  const partition = parsePartitionSpec(values.partition, clients, seed);
  if (values['examples-per-client'] && partition.kind !== 'shards') {
    (partition as { examplesPerClient?: number }).examplesPerClient = int('examples-per-client', values['examples-per-client'], 1);
  }
  const target = num('target', values.target, 0, 1);
  const byzantine = num('byzantine', values.byzantine, 0, 1);
  let attack: Attack;
  try {
    attack = parseAttack(values.attack);
  } catch (err) {
    throw new UsageError(`--attack: ${(err as Error).message}`);
  }
  // Rounds wait for the whole fleet unless clients are expected to come and go.
  const minAvailable = dropout > 0 ? Math.max(1, Math.floor(clients / 2)) : clients;
  const task: TaskConfigInput = {
    name: `fleet: ${clients} ${values.node ? 'Node clients' : 'browser tabs'}, ${modelText}, ${values.strategy}, ${values.partition}`,
    ...(model === null ? {} : { model }),
    data: { partition, testLimit: int('test-limit', values['test-limit'], 1) },
    strategy,
    fit: {
      fractionFit: num('fraction', values.fraction, 0.0001, 1), minFitClients: Math.min(2, clients), minAvailableClients: minAvailable,
      epochs: int('epochs', values.epochs, 1), batchSize: int('batch', values.batch, 1), learningRate: num('lr', values.lr, 1e-6, 10),
      proximalMu: num('mu', values.mu, 0, 100),
    },
    stop: {
      maxRounds: int('rounds', values.rounds, 1), targetAccuracy: target > 0 ? target : null,
      roundDeadlineMs: int('deadline-ms', values['deadline-ms'], 100), minReports: int('min-reports', values['min-reports'], 1),
    },
    baseline: { enabled: !values['no-baseline'], maxEpochs: int('baseline-max-epochs', values['baseline-max-epochs'], 1) },
    seed,
  };
  if (values.async !== undefined) {
    const [k, c] = values.async.split(':');
    const perRound = Math.max(task.fit!.minFitClients ?? 1, Math.ceil((task.fit!.fractionFit ?? 0.1) * clients));
    task.asynchronous = { enabled: true, bufferSize: int('async', k ?? '', 1), concurrency: c === undefined ? perRound : int('async', c, 1) };
  }
  if (values.secagg !== undefined) {
    if (values.secagg !== 'full' && values.secagg !== 'plus') throw new UsageError(`--secagg must be full or plus, got ${values.secagg}`);
    task.privacy = { secureAggregation: { enabled: true, mode: values.secagg } };
  }
  if (values.uplink !== undefined || values.downlink !== undefined || values['downlink-delta']) {
    const codec = (flag: string, text: string | undefined): CodecSpec => {
      try {
        return parseCodecArg(text ?? 'float32');
      } catch (err) {
        throw new UsageError(`--${flag}: ${(err as Error).message}`);
      }
    };
    task.communication = { uplink: codec('uplink', values.uplink), downlink: codec('downlink', values.downlink), downlinkDelta: values['downlink-delta'] };
  }
  applyHeterogeneity(task, values, (message) => new UsageError(message));
  const duplicate = applyContribution(task, values, clients, (message) => new UsageError(message));
  const slow = {
    fraction: num('slow-fraction', values['slow-fraction'] ?? values.slow, 0, 1),
    factor: num('slow-factor', values['slow-factor'] ?? values['cpu-throttle'], 1, 100),
  };
  return {
    node: values.node, clients, threads: int('threads', values.threads, 1), url: values.url?.replace(/\/$/, '') ?? null,
    taskId: values.task ?? null, dataDir: values['data-dir'] ?? null, dropout, seed, summaryJson: values['summary-json'] ?? null,
    waitBaseline: !values['no-wait-baseline'] && !values['no-baseline'], reconnectForS: int('reconnect-for', values['reconnect-for'], 1),
    byzantine: byzantine > 0 ? { fraction: byzantine, attack, text: values.attack } : null, duplicate, clientData, schemaFile: values.schema ?? null, slow,
    token: values.token || env.FLOTILLA_OPERATOR_TOKEN || (values.url ? readOperatorToken(values['data-dir'] ?? env.FLOTILLA_DATA_DIR ?? '.flotilla') : null), joinToken: values['join-token'] || env.FLOTILLA_JOIN_TOKEN || null, task,
    stateDir: values['state-dir'] ?? null,
    browser: {
      slow: slow.fraction, cpuThrottle: slow.factor, network: values.network ?? null,
      backend: values.backend ?? null, chromium: values.chromium ?? null, headed: values.headed, webgpu: values.webgpu,
    },
  };
}

const ARCHITECTURES = ['mlp', 'cnn', 'logreg', 'lstm', 'gru'] as const;

/** `--model`: a zoo model, `schema:ARCH`, or null for 'auto' (the architecture that fits the schema, chosen once it is known). */
function parseModel(text: string): TaskConfigInput['model'] | null {
  if (text === 'auto') return null;
  if (text === 'mnist-2nn' || text === 'mnist-cnn') return { kind: text };
  const arch = text.startsWith('schema:') ? text.slice('schema:'.length) : undefined;
  const architecture = ARCHITECTURES.find((a) => a === arch);
  if (architecture === undefined) throw new UsageError(`--model must be mnist-2nn, mnist-cnn or schema:${ARCHITECTURES.join('|')}, got ${text}`);
  return { kind: 'schema', architecture };
}

export class UsageError extends Error {}
