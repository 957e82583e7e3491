// The root's end of the edge hierarchy: clients on edges become ConnectedClients of the root's
// registry (their messages relayed over NATS), their updates are counted here and summed at their
// edge, and each round's partial sums are read back from the JetStream stream.

import type { Subscription } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import { ErrorCodes, FlotillaError, errorMessage, type ClientMessage, type TaskConfig, type Update } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import type { ConnectedClient } from '../engine/ClientRegistry.ts';
import type { CollectorContext, UpdateCollector } from '../engine/collectors.ts';
import type { HierarchyHooks } from '../engine/deps.ts';
import { closeCodeFor } from '../ws/admission.ts';
import { codedFailure } from '../ws/clientFrames.ts';
import { welcomeClient } from '../ws/welcomeClient.ts';
import {
  EDGE_BUS, EDGE_LEASE_MS, decodeJson, encodeJson, openEdgeBus, type EdgeBusConnection, type EdgeClientMessage, type EdgeHello, type EdgeLeft,
  type EdgeUpdateRequest, type FlushRound, type RootReply, type ToEdge,
} from './edgeBus.ts';
import { EdgeCollector, type ExpectedPartial, type PartialSource } from './EdgeCollector.ts';
import { assertHierarchySupports } from './hierarchySupport.ts';
import { readPartial, type ReceivedPartial } from './partialSums.ts';

export interface RootBridgeOptions {
  /** How long the root waits for an edge's partial sum of a closed round (default 15 s). */
  partialTimeoutMs?: number;
}

export interface AttachOptions {
  joinToken: string | null;
  heartbeatIntervalMs: number;
  maxFrameBytes: number;
  log: FastifyBaseLogger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The root of edge aggregators. Built before the coordinator (the engine's hooks), attached after.
 * @example
 * const bridge = await RootBridge.connect('nats://127.0.0.1:4222');
 * const coordinator = createCoordinator(…, bridge); bridge.attach(coordinator, { … });
 */
export class RootBridge implements HierarchyHooks, PartialSource {
  private coordinator: Coordinator | null = null;
  private options: AttachOptions | null = null;
  /** Clients on edges, by `<edge>/<connection>`. */
  private readonly remote = new Map<string, ConnectedClient>();
  private readonly subscriptions: Subscription[] = [];
  private leaseTimer: ReturnType<typeof setInterval> | null = null;
  private readonly partialTimeoutMs: number;

  private constructor(readonly bus: EdgeBusConnection, options: RootBridgeOptions) {
    this.partialTimeoutMs = options.partialTimeoutMs ?? 15_000;
  }

  static async connect(natsUrl: string, options: RootBridgeOptions = {}): Promise<RootBridge> {
    return new RootBridge(await openEdgeBus(natsUrl, 'root'), options);
  }

  admitTask(config: TaskConfig, code: 'FLT_HIERARCHY_UNSUPPORTED' | 'FLT_INVALID_TASK' = ErrorCodes.HIERARCHY_UNSUPPORTED): void {
    assertHierarchySupports(config, code);
  }

  openCollector(ctx: CollectorContext): UpdateCollector {
    return new EdgeCollector(ctx, this);
  }

  /** The edges clients are on now, with how many each holds. */
  edges(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const client of this.remote.values()) counts.set(client.edge!, (counts.get(client.edge!) ?? 0) + 1);
    return counts;
  }

  attach(coordinator: Coordinator, options: AttachOptions): void {
    this.coordinator = coordinator;
    this.options = options;
    const { nc } = this.bus;
    const on = (subject: string, handle: (data: Uint8Array, respond: (reply: RootReply<unknown>) => void) => void | Promise<void>) => {
      this.subscriptions.push(nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          const respond = (reply: RootReply<unknown>) => { msg.respond(encodeJson(reply)); };
          Promise.resolve().then(() => handle(msg.data, respond)).catch((e: unknown) => {
            options.log.error({ err: e, subject }, 'edge message failed');
            if (msg.reply) respond({ ok: false, code: ErrorCodes.INTERNAL, message: 'internal error', fatal: false });
          });
        },
      }));
    };
    on(EDGE_BUS.hello, (data) => this.hello(decodeJson<EdgeHello>(data)));
    on(EDGE_BUS.message, (data) => this.message(decodeJson<EdgeClientMessage>(data)));
    on(EDGE_BUS.update, (data, respond) => respond(this.update(decodeJson<EdgeUpdateRequest>(data))));
    on(EDGE_BUS.left, (data) => this.left(decodeJson<EdgeLeft>(data)));
    on(EDGE_BUS.task, (data, respond) => respond(this.taskInfo(decodeJson<{ taskId: string }>(data).taskId)));
    on(EDGE_BUS.weights, async (data, respond) => respond(await this.weights(decodeJson<{ taskId: string; version: number }>(data))));
    this.leaseTimer = setInterval(() => void this.checkLeases().catch((err: unknown) => options.log.warn({ err }, 'cannot read edge leases')), EDGE_LEASE_MS / 3);
  }

  noteRound(taskId: string, state: { round: number; phase: string; selected: number; goal: number; deadline: number }): void {
    this.bus.rounds.put(`round.${taskId}`, encodeJson({ ...state, at: Date.now() })).catch((err: unknown) => this.options?.log.warn({ err, taskId }, 'cannot record the round in the key-value bucket'));
  }

  /** Publishes the flush of a round, then reads each expected edge's partial sum until all arrived or the wait ends. */
  async collect(taskId: string, round: number, expected: ReadonlyMap<string, ExpectedPartial>): Promise<Map<string, ReceivedPartial | null>> {
    const flush: FlushRound = { taskId, round, expected: Object.fromEntries([...expected].map(([edge, e]) => [edge, e.count])) };
    await this.bus.rounds.put(`round.${taskId}`, encodeJson({ round, phase: 'aggregation', expected: flush.expected, at: Date.now() }));
    const got = new Map<string, ReceivedPartial | null>();
    const until = Date.now() + this.partialTimeoutMs;
    let flushedAt = 0;
    for (;;) {
      // Core NATS delivers at most once: an edge that reconnected meanwhile hears the flush again (a resend is a duplicate).
      if (Date.now() - flushedAt >= 1_000) {
        this.bus.nc.publish(EDGE_BUS.flush, encodeJson(flush));
        flushedAt = Date.now();
      }
      for (const edge of expected.keys()) {
        if (!got.get(edge)) got.set(edge, await readPartial(this.bus, taskId, round, edge).catch(() => null));
      }
      if ([...got.values()].every((p) => p !== null) || Date.now() > until || this.coordinator?.closing) break;
      await sleep(50);
    }
    await this.bus.rounds.put(`round.${taskId}`, encodeJson({ round, phase: 'combined', expected: flush.expected, at: Date.now() }));
    return got;
  }

  async close(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    for (const s of this.subscriptions) s.unsubscribe();
    await this.bus.close();
  }

  private toEdge(edgeId: string, message: ToEdge): boolean {
    if (this.bus.nc.isClosed()) return false;
    this.bus.nc.publish(EDGE_BUS.toEdge(edgeId), encodeJson(message));
    return true;
  }

  private hello({ edgeId, conn, hello }: EdgeHello): void {
    const coordinator = this.coordinator!;
    const options = this.options!;
    const send = (message: object) => this.toEdge(edgeId, { conn, message: message as Record<string, unknown> });
    const close = (code: number, reason: string) => { this.toEdge(edgeId, { conn, close: { code, reason } }); };
    try {
      const { client, resumed } = welcomeClient(coordinator, hello, { ...options, send, close, edge: edgeId });
      this.remote.set(`${edgeId}/${conn}`, client);
      options.log.info({ clientId: client.id, edge: edgeId, kind: hello.kind, resumed }, 'client joined through an edge');
    } catch (err) {
      const coded = codedFailure(err, (e) => options.log.error({ err: e, edge: edgeId }, 'unexpected failure welcoming a client'));
      coordinator.metrics.rejected.inc({ code: coded.code });
      send(errorMessage(coded));
      if (coded.fatal) close(closeCodeFor(coded), coded.code);
    }
  }

  private clientOf(edgeId: string, conn: string, clientId: string): ConnectedClient | null {
    const client = this.remote.get(`${edgeId}/${conn}`);
    return client && client.id === clientId ? client : null;
  }

  /** The control messages of a welcomed client, handled as the /ws endpoint handles them. */
  private message({ edgeId, conn, clientId, message: raw }: EdgeClientMessage): void {
    const client = this.clientOf(edgeId, conn, clientId);
    if (!client) return;
    client.lastSeen = Date.now();
    const { tasks, bus } = this.coordinator!;
    const message = raw as unknown as ClientMessage;
    try {
      switch (message.type) {
        case 'fit.failed':
          tasks.runner(message.taskId)?.fitFailed(client.id, message.round, message.code);
          return;
        case 'progress': {
          const runner = tasks.runner(message.taskId);
          const rs = runner?.current;
          if (!(rs?.round === message.round && rs.selected.has(client.id))) return;
          bus.publish('client.progress', message.taskId, { clientId: client.id, ...message }, { durable: false });
          return;
        }
        case 'evaluation': {
          const runner = tasks.runner(message.taskId);
          if (!runner) throw new FlotillaError(ErrorCodes.STALE_ROUND, `task ${message.taskId} is not running`);
          runner.acceptEvaluation(client, message);
          return;
        }
        case 'evaluate.failed':
          tasks.runner(message.taskId)?.evaluationFailed(client.id, message.round, message.code);
          return;
        default:
          // Hellos, heartbeats, updates and SecAgg messages never come this way (the edge keeps or asks them).
          return;
      }
    } catch (err) {
      if (err instanceof FlotillaError) client.send(errorMessage(err));
      else throw err;
    }
  }

  private update({ edgeId, conn, clientId, message, bytes }: EdgeUpdateRequest): RootReply<null> {
    const client = this.clientOf(edgeId, conn, clientId);
    try {
      if (!client) throw new FlotillaError(ErrorCodes.NOT_WELCOMED, 'update from a connection the root does not know', true);
      const update = message as unknown as Update;
      const runner = this.coordinator!.tasks.runner(update.taskId);
      if (!runner) throw new FlotillaError(ErrorCodes.STALE_ROUND, `task ${update.taskId} is not running`);
      client.lastSeen = Date.now();
      runner.acceptUpdate(client, update, [], bytes);
      return { ok: true, body: null };
    } catch (err) {
      if (!(err instanceof FlotillaError)) throw err;
      return { ok: false, code: err.code, message: err.message, fatal: err.fatal };
    }
  }

  private left({ edgeId, conn, clientId }: EdgeLeft): void {
    const key = `${edgeId}/${conn}`;
    const client = this.remote.get(key);
    // A client whose welcome had not reached its edge yet leaves with no id: its connection names it.
    if (!client || (clientId !== null && client.id !== clientId)) return;
    this.remote.delete(key);
    this.forget(client);
  }

  private forget(client: ConnectedClient): void {
    const coordinator = this.coordinator!;
    // Closing, or already replaced by a newer connection of the same client (through another edge, say): nothing left.
    if (coordinator.closing || coordinator.registry.get(client.id) !== client) return;
    coordinator.registry.remove(client.id, client);
    coordinator.metrics.connectedClients.set(coordinator.registry.size);
    coordinator.bus.publish('client.left', client.taskId, { clientId: client.id });
  }

  private taskInfo(taskId: string): RootReply<{ config: TaskConfig; shapes: number[][] }> {
    const runner = this.coordinator!.tasks.runner(taskId);
    if (!runner) return { ok: false, code: ErrorCodes.STALE_ROUND, message: `task ${taskId} is not running`, fatal: false };
    return { ok: true, body: { config: runner.config, shapes: runner.shapes } };
  }

  private async weights({ taskId, version }: { taskId: string; version: number }): Promise<RootReply<{ name: string }>> {
    try {
      const frame = await this.coordinator!.tasks.weightsFrame(taskId, version);
      const name = EDGE_BUS.modelName(taskId, version);
      if (!(await this.bus.models.info(name))) await this.bus.models.putBlob({ name }, frame);
      return { ok: true, body: { name } };
    } catch (err) {
      if (!(err instanceof FlotillaError)) throw err;
      return { ok: false, code: err.code, message: err.message, fatal: false };
    }
  }

  /** An edge whose lease lapsed is gone, and so are its clients (a dropout for any selected one). */
  private async checkLeases(): Promise<void> {
    const live = new Set<string>();
    for await (const key of await this.bus.leases.keys()) live.add(key.replace(/^edge\./, ''));
    for (const [key, client] of this.remote) {
      if (live.has(client.edge!)) continue;
      this.remote.delete(key);
      this.options!.log.warn({ clientId: client.id, edge: client.edge }, 'the client\'s edge lost its lease: the client is gone');
      this.forget(client);
    }
  }
}
