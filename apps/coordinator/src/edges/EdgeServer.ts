// An edge aggregator (`npm start -- --role edge --nats URL`): holds client sockets, serves the
// weights they train from out of the object store, folds their updates into partial sums, and
// keeps a lease in the key-value bucket so the root knows it is alive.

import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { SampledLog } from '../logging/sampledLog.ts';
import { Admission, DEFAULT_ADMISSION_LIMITS, type AdmissionLimits } from '../ws/admission.ts';
import { EDGE_BUS, EDGE_ID, EDGE_LEASE_MS, decodeJson, encodeJson, openEdgeBus, type EdgeBusConnection, type FlushRound, type ToEdge } from './edgeBus.ts';
import { askRoot, EdgeRounds } from './EdgeRounds.ts';
import { edgeSocket, type EdgeConnection } from './edgeSocket.ts';

export interface EdgeSettings {
  natsUrl: string;
  /** One NATS subject token; a random one when absent. */
  edgeId?: string | null;
  host: string;
  port: number;
  maxFrameBytes?: number;
  heartbeatIntervalMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  limits?: Partial<AdmissionLimits>;
  trustProxy?: boolean | string;
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  logger?: FastifyServerOptions['logger'];
}

export interface StartedEdge {
  app: FastifyInstance;
  url: string;
  edgeId: string;
  rounds: EdgeRounds;
  bus: EdgeBusConnection;
  close(): Promise<void>;
}

const TOKEN = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Starts an edge listening on `host:port` (0: any free port), attached to the root through NATS.
 * @example const edge = await startEdge({ natsUrl: 'nats://127.0.0.1:4222', host: '127.0.0.1', port: 8081 });
 */
export async function startEdge(settings: EdgeSettings): Promise<StartedEdge> {
  const edgeId = settings.edgeId ?? `edge-${randomBytes(4).toString('hex')}`;
  if (!EDGE_ID.test(edgeId)) throw new Error(`invalid edge id ${edgeId} (letters, digits, _ and -, at most 64)`);
  const maxFrameBytes = settings.maxFrameBytes ?? 16 * 1024 * 1024;
  const bus = await openEdgeBus(settings.natsUrl, `edge-${edgeId}`);
  const app = (settings.tls
    ? Fastify({ logger: settings.logger ?? false, trustProxy: settings.trustProxy ?? false, https: { cert: settings.tls.cert, key: settings.tls.key } }) as unknown as FastifyInstance
    : Fastify({ logger: settings.logger ?? false, trustProxy: settings.trustProxy ?? false }));
  const rounds = new EdgeRounds(bus, edgeId, app.log);
  const connections = new Map<string, EdgeConnection>();

  const renew = () => bus.leases.put(`edge.${edgeId}`, encodeJson({ edgeId, connections: connections.size, at: Date.now() }));
  await renew();
  const lease = setInterval(() => void renew().catch((err: unknown) => app.log.warn({ err }, 'cannot renew the edge lease')), EDGE_LEASE_MS / 3);
  const toClients = bus.nc.subscribe(EDGE_BUS.toEdge(edgeId), {
    callback: (err, msg) => {
      if (err) return;
      const delivery = decodeJson<ToEdge>(msg.data);
      const conn = connections.get(delivery.conn);
      if (!conn) return;
      if ('close' in delivery) return conn.close(delivery.close.code, delivery.close.reason);
      if (delivery.message.type === 'welcome') conn.clientId = String(delivery.message.clientId);
      conn.send(delivery.message);
    },
  });
  const flushes = bus.nc.subscribe(EDGE_BUS.flush, {
    callback: (err, msg) => {
      if (!err) void rounds.flush(decodeJson<FlushRound>(msg.data)).catch((e: unknown) => app.log.error({ err: e }, 'flush failed'));
    },
  });

  await app.register(websocket, { options: { maxPayload: maxFrameBytes + 1024 * 1024 } });
  const rejections = new SampledLog(app.log);
  await app.register(edgeSocket, {
    bus, rounds, connections, maxFrameBytes,
    heartbeatIntervalMs: settings.heartbeatIntervalMs ?? 5_000, pingIntervalMs: settings.pingIntervalMs ?? 2_000, pongTimeoutMs: settings.pongTimeoutMs ?? 6_000,
    admission: new Admission({ ...DEFAULT_ADMISSION_LIMITS, ...settings.limits }), rejections,
  });

  // Versions never change: each is fetched from the object store once (put there by the root on first ask) and kept.
  const frames = new Map<string, Promise<Uint8Array>>();
  const frameOf = (taskId: string, version: number): Promise<Uint8Array> => {
    const name = EDGE_BUS.modelName(taskId, version);
    let frame = frames.get(name);
    if (!frame) {
      frame = (async () => {
        const stored = await bus.models.getBlob(name);
        if (stored) return stored;
        await askRoot(bus, EDGE_BUS.weights, { taskId, version });
        const put = await bus.models.getBlob(name);
        if (!put) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${taskId} has no model version ${version}`);
        return put;
      })();
      frame.catch(() => frames.delete(name));
      frames.set(name, frame);
      if (frames.size > 8) frames.delete(frames.keys().next().value!);
    }
    return frame;
  };
  app.get<{ Params: { id: string; version: string } }>('/api/tasks/:id/models/:version/weights.frame', async (req, reply) => {
    const { id, version } = req.params;
    if (!TOKEN.test(id) || !/^\d{1,9}$/.test(version)) return reply.code(404).send({ code: ErrorCodes.NOT_FOUND, message: 'no such model version' });
    try {
      const frame = await frameOf(id, Number(version));
      reply.header('cache-control', 'public, max-age=31536000, immutable').header('x-flotilla-model-version', version).type('application/octet-stream');
      return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
    } catch (err) {
      const coded = err instanceof FlotillaError ? err : new FlotillaError(ErrorCodes.INTERNAL, 'internal error');
      return reply.code(coded.code === ErrorCodes.NOT_FOUND || coded.code === ErrorCodes.TASK_NOT_FOUND ? 404 : 503).send({ code: coded.code, message: coded.message });
    }
  });
  app.get('/healthz', async () => ({ status: 'ok', role: 'edge', edge: edgeId, clients: connections.size }));
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: ErrorCodes.NOT_FOUND, message: `no route ${req.method} ${req.url.split('?', 1)[0]!.slice(0, 200)}` }));

  app.addHook('preClose', async () => {
    clearInterval(lease);
    rejections.close();
    // Gone at once rather than when the lease lapses: the root lets go of this edge's clients now.
    await bus.leases.delete(`edge.${edgeId}`).catch(() => {});
  });
  app.addHook('onClose', async () => {
    toClients.unsubscribe();
    flushes.unsubscribe();
    await bus.close();
  });

  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const scheme = settings.tls ? 'https' : 'http';
  return { app, edgeId, rounds, bus, url: `${scheme}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`, close: () => app.close() };
}
