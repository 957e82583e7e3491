// The Fastify app factory: every feature is a plugin, the app is built apart from the file that
// listens, so tests call inject() or listen on an ephemeral port.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError, type ErrorCode } from '@flotilla/protocol';
import { AuthFailures } from './auth/AuthFailures.ts';
import { installOperatorAuth, redactedRequestSerializer } from './auth/operatorAuth.ts';
import { OperatorSessions } from './auth/OperatorSessions.ts';
import type { RouteEntry } from './auth/routeAccess.ts';
import { sessionRoutes } from './auth/sessionRoutes.ts';
import { loadOrCreateOperatorToken } from './auth/operatorToken.ts';
import { createCoordinator, type Coordinator } from './coordinator.ts';
import type { ModelServiceOptions } from './model/ModelService.ts';
import { clientRoutes } from './routes/clients.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { DatasetRegistry, type DatasetLimits } from './datasets/DatasetRegistry.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { joinTokenRoutes } from './routes/joinTokens.ts';
import { modelRoutes } from './routes/models.ts';
import { modelUploadRoutes } from './routes/modelUploads.ts';
import { evaluationRoutes } from './routes/evaluations.ts';
import { contributionRoutes } from './routes/contributions.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { installResponseContract, strictResponsesByDefault } from './routes/responseContract.ts';
import { simulationRoutes } from './routes/simulation.ts';
import { taskRoutes } from './routes/tasks.ts';
import { webRoutes } from './routes/web.ts';
import { SampledLog } from './logging/sampledLog.ts';
import { DEFAULT_RETENTION, startRetention, type RetentionOptions } from './store/retention.ts';
import { SqliteStore } from './store/SqliteStore.ts';
import type { Store } from './store/Store.ts';
import { Admission, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from './ws/admission.ts';
import { clientSocket } from './ws/clientSocket.ts';
import { verticalRoutes } from './vertical/verticalRoutes.ts';
import { RootBridge, type RootBridgeOptions } from './edges/RootBridge.ts';

export interface AppOptions {
  /** Where the SQLite database lives; created if missing. */
  dataDir: string;
  /** Another store implementation; the SQLite file under dataDir otherwise. */
  store?: Store;
  logger?: FastifyServerOptions['logger'];
  /** Largest client frame accepted; the CNN's update is 6.7 MB. */
  maxFrameBytes?: number;
  heartbeatIntervalMs?: number;
  /** WebSocket ping period (default 2 s) and how long a ping may go unanswered before the client counts as gone (default 6 s). */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Bearer token for REST under /api and /metrics; loaded from (or generated into) dataDir if absent. */
  operatorToken?: string;
  /** When set, a client's hello must carry it (separate from the operator token). */
  joinToken?: string | null;
  /** Connection caps and rate limits; each one left out keeps its default (DEFAULT_ADMISSION_LIMITS). */
  limits?: Partial<AdmissionLimits>;
  /**
   * Whose X-Forwarded-For to believe (Fastify's trustProxy): true for any peer, or the proxies'
   * addresses/CIDRs separated by commas. Off by default: the limits key on the socket's own
   * address, which a client cannot forge.
   */
  trustProxy?: boolean | string;
  /** How many events and idle client rows are kept (DEFAULT_RETENTION). */
  retention?: Partial<RetentionOptions>;
  /** The built web app to serve (default apps/web/dist); tests point it at a directory of their own. */
  webRoot?: string;
  /** PEM certificate chain and private key: the app serves HTTPS and WSS instead of HTTP and WS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** Timeouts of the model worker's jobs (and, for tests, another worker module). */
  models?: ModelServiceOptions;
  /** Size limits of registered datasets (stored under dataDir/datasets); defaults where absent. */
  datasets?: Partial<DatasetLimits>;
  /**
   * A response that violates its route's schema is a 500 FLT_INTERNAL instead of being sent (and
   * logged). Default: on under Vitest or with FLOTILLA_STRICT_RESPONSES=1.
   */
  strictResponses?: boolean;
  /**
   * Run as the root of edge aggregators: clients on edges join through NATS JetStream at `natsUrl`,
   * and rounds combine the edges' partial sums (edges/). Absent: one process, as always.
   */
  edges?: { natsUrl: string } & RootBridgeOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    coordinator: Coordinator;
    /** Every route with the access the auth hook gives it (see routeAccess.ts). */
    routeAccess: readonly RouteEntry[];
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.TASK_NOT_FOUND]: 404,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.TASK_STATE]: 409,
  [ErrorCodes.INVALID_TASK]: 400,
  [ErrorCodes.SCHEMA_VIOLATION]: 400,
  [ErrorCodes.INTERNAL]: 500,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.TOO_MANY_CONNECTIONS]: 503,
  [ErrorCodes.RATE_LIMITED]: 429,
  [ErrorCodes.CSRF_REFUSED]: 403,
  [ErrorCodes.BAD_REQUEST_TARGET]: 400,
  // A model job (task creation's initial weights, a tfjs export) lost its worker: the next try gets a fresh one.
  [ErrorCodes.MODEL_WORKER_FAILED]: 503,
  [ErrorCodes.DATASET_INVALID]: 400,
  [ErrorCodes.DATASET_TOO_LARGE]: 413,
  [ErrorCodes.DATASET_IN_USE]: 409,
  [ErrorCodes.MODEL_TOO_LARGE]: 413,
  [ErrorCodes.CONTRIBUTION_INCOMPATIBLE]: 400,
  [ErrorCodes.HIERARCHY_UNSUPPORTED]: 400,
};

/**
 * Builds a coordinator app (not listening yet).
 * @example const app = await buildApp({ dataDir: '.flotilla' }); await app.listen({ port: 8080 });
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5_000;
  const pingIntervalMs = options.pingIntervalMs ?? 2_000;
  const pongTimeoutMs = options.pongTimeoutMs ?? 6_000;
  // The event stream may carry the operator token in its query: request logs show it redacted.
  const logger = typeof options.logger === 'object' && options.logger !== null
    ? { ...options.logger, serializers: { ...options.logger.serializers, req: redactedRequestSerializer } }
    : options.logger ?? false;
  const trustProxy = options.trustProxy ?? false;
  // A path the router cannot decode (overlong UTF-8, a lone %) is refused before any hook runs;
  // it gets our code like every other bad request, without echoing the path.
  const refuseUnreadable = (err: { code?: string }, _req: unknown, reply: FastifyReply): void => {
    const badUrl = err.code === 'FST_ERR_BAD_URL';
    void reply.code(400).send({
      code: badUrl ? ErrorCodes.BAD_REQUEST_TARGET : ErrorCodes.SCHEMA_VIOLATION,
      message: badUrl ? 'the request path is not a valid URL (a percent-escape does not decode)' : 'the request could not be read',
    });
  };
  const frameworkErrors = refuseUnreadable as FastifyServerOptions['frameworkErrors'];
  // Fastify types an HTTPS instance apart; routes, hooks and inject are the same for both.
  const app = (options.tls
    ? Fastify({ logger, bodyLimit: 8 * 1024 * 1024, trustProxy, frameworkErrors, https: { cert: options.tls.cert, key: options.tls.key } }) as unknown as FastifyInstance
    : Fastify({ logger, bodyLimit: 8 * 1024 * 1024, trustProxy, frameworkErrors })).withTypeProvider<TypeBoxTypeProvider>();
  installResponseContract(app, { strict: options.strictResponses ?? strictResponsesByDefault(), log: app.log });
  mkdirSync(options.dataDir, { recursive: true });
  const operatorToken = options.operatorToken ?? loadOrCreateOperatorToken(options.dataDir).token;
  const store = options.store ?? new SqliteStore(path.join(options.dataDir, 'flotilla.db'));
  const sessions = new OperatorSessions(store, { signingKey: operatorToken });
  // Wrong operator tokens per address, shared by the auth hook and the dashboard's sign-in.
  const authFailures = new AuthFailures();
  app.decorate('routeAccess', installOperatorAuth(app, operatorToken, sessions, authFailures));
  const hierarchy = options.edges ? await RootBridge.connect(options.edges.natsUrl, options.edges) : undefined;
  const coordinator = createCoordinator(store, app.log, options.models ?? {}, new DatasetRegistry(path.join(options.dataDir, 'datasets'), options.datasets), options.dataDir, maxFrameBytes, hierarchy);
  hierarchy?.attach(coordinator, { joinToken: options.joinToken ?? null, heartbeatIntervalMs, maxFrameBytes, log: app.log });
  app.decorate('coordinator', coordinator);
  // Registered before every plugin, so it runs before any of their hooks closes a socket.
  app.addHook('preClose', async () => coordinator.beginShutdown());
  const admission = new Admission({ ...DEFAULT_ADMISSION_LIMITS, ...options.limits });
  const rejections = new SampledLog(app.log);
  const retention = startRetention(store, coordinator.registry, { ...DEFAULT_RETENTION, ...options.retention }, app.log);
  app.addHook('preClose', async () => {
    retention.stop();
    rejections.close();
  });

  // Runs after the auth hook, so an unknown path under /api or /metrics is still a 401 without the token.
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: ErrorCodes.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?', 1)[0]!.slice(0, 200)}` }));

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof FlotillaError) {
      return reply.code(STATUS[err.code] ?? 400).send({ code: err.code, message: err.message });
    }
    const fastifyErr = err as { validation?: unknown; statusCode?: number; message: string };
    if (fastifyErr.validation) {
      return reply.code(400).send({ code: ErrorCodes.SCHEMA_VIOLATION, message: fastifyErr.message });
    }
    if (fastifyErr.statusCode && fastifyErr.statusCode < 500) {
      return reply.code(fastifyErr.statusCode).send({ code: ErrorCodes.SCHEMA_VIOLATION, message: fastifyErr.message });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ code: ErrorCodes.INTERNAL, message: 'internal error' });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Flotilla coordinator', version: '0.1.0', description: 'Federated learning rounds, tasks, clients and models' },
      tags: [{ name: 'tasks' }, { name: 'rounds' }, { name: 'models' }, { name: 'clients' }, { name: 'events' }, { name: 'privacy' }, { name: 'access' }, { name: 'datasets' }, { name: 'contributions' }],
    },
  });
  // ws refuses frames past maxPayload outright; the slack lets our own check answer with a code.
  await app.register(websocket, { options: { maxPayload: maxFrameBytes + 1024 * 1024 } });
  await app.register(healthRoutes, { coordinator });
  await app.register(sessionRoutes, { operatorToken, sessions, failures: authFailures });
  await app.register(taskRoutes, { coordinator });
  await app.register(clientRoutes, { coordinator });
  await app.register(joinTokenRoutes, { coordinator });
  await app.register(modelRoutes, { coordinator });
  await app.register(modelUploadRoutes, { coordinator });
  await app.register(evaluationRoutes, { coordinator });
  await app.register(contributionRoutes, { coordinator });
  await app.register(eventRoutes, { coordinator, admission });
  await app.register(simulationRoutes, { coordinator });
  await app.register(datasetRoutes, { coordinator });
  await app.register(privacyRoutes);
  await app.register(clientSocket, { coordinator, maxFrameBytes, heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs, joinToken: options.joinToken ?? null, admission, rejections });
  await app.register(verticalRoutes, { coordinator, rejections });
  await app.register(webRoutes, options.webRoot ? { root: options.webRoot } : {});
  app.get('/api/openapi.json', {
    schema: { hide: true, response: { 200: Type.Object({ openapi: Type.String(), paths: Type.Record(Type.String(), Type.Unknown()) }, { description: 'OpenAPI 3 document' }) } },
  }, async () => app.swagger() as unknown as { openapi: string; paths: Record<string, unknown> });

  app.addHook('onClose', async () => {
    await coordinator.close();
    await hierarchy?.close();
  });
  return app;
}
