// Settings from flags and environment, and starting a listening coordinator with its embedded
// defaults (SQLite under the data directory, the default MNIST task created and started).

import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadOrCreateOperatorToken, type OperatorToken } from './auth/operatorToken.ts';
import type { ModelTimeouts } from './model/ModelService.ts';
import { limitFlagOptions, limitSettings, type LimitSettings } from './limitSettings.ts';
import { startEdge, type StartedEdge } from './edges/EdgeServer.ts';

export interface CoordinatorSettings {
  host: string;
  port: number;
  dataDir: string;
  logLevel: string;
  /** Create and start the default task when the store holds no task yet. */
  defaultTask: boolean;
  maxFrameBytes: number;
  /** Operator token for REST and the dashboard; null = the one in the data directory, generated on first start. */
  operatorToken?: string | null;
  /** Client join token; null = clients join without one (unless the operator issued join tokens). */
  joinToken?: string | null;
  /** Connection caps, rate limits, retention and whose X-Forwarded-For to believe; defaults where absent. */
  abuse?: LimitSettings;
  /** PEM files of a certificate and its key: serve HTTPS/WSS. Both or neither. */
  tlsCert?: string | null;
  tlsKey?: string | null;
  /** Model worker timeouts (evaluation, baseline epoch); unset ones keep their defaults. */
  modelTimeouts?: Partial<ModelTimeouts>;
  /** `root`: the coordinator (the root of edges when `natsUrl` is set); `edge`: an edge aggregator. */
  role?: 'root' | 'edge';
  /** NATS server with JetStream that a root and its edges share; null: one process, no edges. */
  natsUrl?: string | null;
  /** This edge's id (`--role edge`); null: a random one. */
  edgeId?: string | null;
}

/** The coordinator's flags (`npm start -- --help` lists them with their environment variables). */
export const COORDINATOR_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'log-level': { type: 'string' },
  'no-default-task': { type: 'boolean' },
  'max-frame-mb': { type: 'string' },
  'operator-token': { type: 'string' },
  'join-token': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'eval-timeout-s': { type: 'string' },
  'baseline-epoch-timeout-s': { type: 'string' },
  role: { type: 'string' },
  nats: { type: 'string' },
  'edge-id': { type: 'string' },
  ...limitFlagOptions,
} as const satisfies Record<string, { type: 'string' | 'boolean' }>;

/**
 * Flags win over environment variables, which win over defaults.
 * @example parseCoordinatorArgs(['--port', '9000'], process.env)
 */
export function parseCoordinatorArgs(argv: string[], env: NodeJS.ProcessEnv): CoordinatorSettings {
  const { values } = parseArgs({ args: argv, options: COORDINATOR_FLAGS, strict: true });
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${values.port ?? env.PORT}`);
  const tlsCert = values['tls-cert'] || env.FLOTILLA_TLS_CERT || null;
  const tlsKey = values['tls-key'] || env.FLOTILLA_TLS_KEY || null;
  if ((tlsCert === null) !== (tlsKey === null)) throw new Error('TLS needs both --tls-cert and --tls-key (or FLOTILLA_TLS_CERT and FLOTILLA_TLS_KEY)');
  const role = values.role ?? env.FLOTILLA_ROLE ?? 'root';
  if (role !== 'root' && role !== 'edge') throw new Error(`invalid role ${role} (root or edge)`);
  const natsUrl = values.nats || env.FLOTILLA_NATS_URL || null;
  if (role === 'edge' && natsUrl === null) throw new Error('an edge needs --nats URL (or FLOTILLA_NATS_URL): the NATS server its root uses');
  return {
    role, natsUrl, edgeId: values['edge-id'] || env.FLOTILLA_EDGE_ID || null,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    port,
    dataDir: path.resolve(values['data-dir'] ?? env.FLOTILLA_DATA_DIR ?? '.flotilla'),
    logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
    defaultTask: !(values['no-default-task'] ?? env.FLOTILLA_NO_DEFAULT_TASK === '1'),
    maxFrameBytes: Math.round(Number(values['max-frame-mb'] ?? env.FLOTILLA_MAX_FRAME_MB ?? 16) * 1024 * 1024),
    operatorToken: values['operator-token'] || env.FLOTILLA_OPERATOR_TOKEN || null,
    joinToken: values['join-token'] || env.FLOTILLA_JOIN_TOKEN || null,
    tlsCert: tlsCert === null ? null : path.resolve(tlsCert),
    tlsKey: tlsKey === null ? null : path.resolve(tlsKey),
    modelTimeouts: modelTimeouts(values['eval-timeout-s'] ?? env.FLOTILLA_EVAL_TIMEOUT_S, values['baseline-epoch-timeout-s'] ?? env.FLOTILLA_BASELINE_EPOCH_TIMEOUT_S),
    abuse: limitSettings(values, env),
  };
}

function modelTimeouts(evaluateS: string | undefined, baselineEpochS: string | undefined): Partial<ModelTimeouts> {
  const ms = (name: string, v: string | undefined) => {
    if (v === undefined || v === '') return undefined;
    const s = Number(v);
    if (!Number.isFinite(s) || s <= 0) throw new Error(`invalid ${name} ${v} (seconds, > 0)`);
    return Math.round(s * 1000);
  };
  const evaluateMs = ms('--eval-timeout-s', evaluateS);
  const baselineEpochMs = ms('--baseline-epoch-timeout-s', baselineEpochS);
  return { ...(evaluateMs ? { evaluateMs } : {}), ...(baselineEpochMs ? { baselineEpochMs } : {}) };
}

export interface StartedCoordinator {
  app: FastifyInstance;
  url: string;
  /** The operator token in force, and whether it was configured, read from the data directory or generated. */
  operator: OperatorToken;
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * Starts an edge aggregator from the same settings (`--role edge`): it listens where told and
 * relays to the root through `natsUrl`; it keeps no data directory.
 * @example const edge = await startEdgeFromSettings(parseCoordinatorArgs(['--role', 'edge', '--nats', url], env));
 */
export async function startEdgeFromSettings(settings: CoordinatorSettings): Promise<StartedEdge> {
  if (!settings.natsUrl) throw new Error('an edge needs --nats URL');
  return startEdge({
    natsUrl: settings.natsUrl, edgeId: settings.edgeId ?? null, host: settings.host, port: settings.port, maxFrameBytes: settings.maxFrameBytes,
    ...(settings.abuse ? { limits: settings.abuse.limits, trustProxy: settings.abuse.trustProxy } : {}),
    tls: settings.tlsCert && settings.tlsKey ? { cert: readPem(settings.tlsCert, 'certificate'), key: readPem(settings.tlsKey, 'key') } : null,
    logger: { level: settings.logLevel },
  });
}

export async function startCoordinator(settings: CoordinatorSettings): Promise<StartedCoordinator> {
  mkdirSync(settings.dataDir, { recursive: true });
  const operator = loadOrCreateOperatorToken(settings.dataDir, settings.operatorToken);
  const app = await buildApp({
    dataDir: settings.dataDir,
    operatorToken: operator.token,
    joinToken: settings.joinToken ?? null,
    tls: settings.tlsCert && settings.tlsKey ? { cert: readPem(settings.tlsCert, 'certificate'), key: readPem(settings.tlsKey, 'key') } : null,
    models: { timeouts: settings.modelTimeouts ?? {} },
    maxFrameBytes: settings.maxFrameBytes,
    ...(settings.abuse ? { limits: settings.abuse.limits, retention: settings.abuse.retention, trustProxy: settings.abuse.trustProxy, datasets: settings.abuse.datasets } : {}),
    logger: { level: settings.logLevel },
    ...(settings.natsUrl ? { edges: { natsUrl: settings.natsUrl } } : {}),
  });
  const { tasks } = app.coordinator;
  const resumed = await tasks.resumeRunning();
  if (resumed.length > 0) app.log.info({ tasks: resumed }, 'resumed running tasks from their last committed round');
  if (settings.defaultTask && tasks.list().length === 0) {
    const task = await tasks.create({});
    await tasks.control(task.id, 'start');
    app.log.info({ taskId: task.id, name: task.name }, 'created and started the default task');
  }
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const scheme = settings.tlsCert ? 'https' : 'http';
  return { app, operator, url: `${scheme}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}` };
}
