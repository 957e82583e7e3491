// One light client of the load generator: the real protocol (hello, heartbeats, plans, binary
// updates, acks, round ends, resumption after a reconnect) over a real WebSocket, with no model and
// no data. It measures the link's round trip with WebSocket pings, and may be slow or drop out.

import WebSocket from 'ws';
import { PROTOCOL_VERSION, type RoundPlan, type ServerMessage } from '@flotilla/protocol';
import type { LoadStats } from './loadStats.ts';
import type { SyntheticUpdates } from './syntheticUpdates.ts';

/** How one light client behaves. */
export interface LightClientOptions {
  /** ws://host:port/ws of a coordinator or edge. */
  url: string;
  /** Loopback source address to connect from (spreads connections over per-address limits). */
  localAddress?: string;
  joinToken?: string;
  taskId?: string;
  numExamples: number;
  /** Simulated training time per plan, ms. */
  trainMs: number;
  /** Chance per plan of dropping the connection mid-training (then coming back with its identity). */
  dropout: number;
  reconnectMs: number;
  random: () => number;
}

/**
 * A client that answers plans with synthetic updates after `trainMs`.
 * @example const c = new LightClient(options, stats, updates); c.start(); … c.stop();
 */
export class LightClient {
  private socket: WebSocket | null = null;
  private identity: { clientId: string; resumeToken: string } | null = null;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private pingSentAt = 0;
  private stopped = false;
  private dropping = false;
  /** Welcomed on the current connection. */
  private live = false;
  private planAt = new Map<number, number>();

  constructor(private readonly options: LightClientOptions, private readonly stats: LoadStats, private readonly updates: SyntheticUpdates) {}

  start(): void {
    this.stats.attempts++;
    const socket = new WebSocket(this.options.url, { ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}), perMessageDeflate: false });
    this.socket = socket;
    socket.on('open', () => {
      this.stats.open++;
      socket.send(JSON.stringify({
        type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'synthetic' },
        capabilities: { codecs: ['float32', 'float16', 'int8', 'topk', 'qsgd'] }, numExamples: this.options.numExamples, trainSplit: true,
        ...(this.identity ?? {}), ...(this.options.taskId ? { taskId: this.options.taskId } : {}),
        ...(this.options.joinToken ? { joinToken: this.options.joinToken } : {}),
      }));
    });
    socket.on('pong', () => {
      if (this.pingSentAt > 0) this.stats.heartbeatRtt.add(performance.now() - this.pingSentAt);
      this.pingSentAt = 0;
    });
    socket.on('message', (data, binary) => {
      if (binary) return;
      let message: ServerMessage;
      try {
        message = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        this.stats.count('unreadable');
        return;
      }
      this.onMessage(message);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => this.onClose(code));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.socket?.close(1000);
  }

  private later(ms: number, run: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, ms);
    this.timers.add(t);
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        if (!this.identity) this.stats.welcomed++;
        else this.stats.resumed++;
        this.identity = { clientId: message.clientId, resumeToken: message.resumeToken };
        if (!this.live) this.stats.connected++;
        this.live = true;
        if (this.heartbeat) clearInterval(this.heartbeat);
        const every = message.heartbeatIntervalMs;
        // Spread over the interval so thousands of clients do not beat in step.
        this.later(this.options.random() * every, () => {
          this.heartbeat = setInterval(() => this.beat(), every);
          this.beat();
        });
        return;
      }
      case 'round.plan':
        this.onPlan(message);
        return;
      case 'update.ack':
        this.stats.acked++;
        return;
      case 'round.end': {
        const at = this.planAt.get(message.round);
        if (at !== undefined) {
          this.stats.roundTimes.add(performance.now() - at);
          this.planAt.delete(message.round);
        }
        this.stats.roundEnded(message.taskId, message.round, message.outcome);
        return;
      }
      case 'error':
        this.stats.count(message.code);
        return;
      case 'evaluate.plan':
        this.send({ type: 'evaluate.failed', taskId: message.taskId, round: message.round, code: 'FLT_NO_HELD_OUT_DATA', message: 'a light client holds no data' });
        return;
      case 'standing':
        return;
      case 'secagg.keys': case 'secagg.deliver': case 'secagg.unmask':
        return;
      default: {
        const never: never = message;
        void never;
      }
    }
  }

  private beat(): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.send({ type: 'heartbeat' });
    if (this.pingSentAt === 0) {
      this.pingSentAt = performance.now();
      this.socket.ping();
    }
  }

  private onPlan(plan: RoundPlan): void {
    this.stats.plans++;
    this.planAt.set(plan.round, performance.now());
    if (this.planAt.size > 16) this.planAt.delete(this.planAt.keys().next().value!);
    if (plan.secureAggregation) {
      this.send({ type: 'fit.failed', taskId: plan.taskId, round: plan.round, code: 'FLT_TRAINING_FAILED', message: 'light clients do not run secure aggregation' });
      return;
    }
    if (this.options.random() < this.options.dropout) {
      this.later(this.options.trainMs / 2, () => {
        this.dropping = true;
        this.stats.injectedDrops++;
        this.socket?.terminate();
      });
      return;
    }
    const claims = { numExamples: this.options.numExamples, trainMs: this.options.trainMs };
    const frame = this.updates.frameFor(plan, claims);
    this.later(this.options.trainMs, () => {
      frame.then((bytes) => {
        if (this.socket?.readyState !== WebSocket.OPEN) return;
        this.socket.send(bytes);
        this.stats.updates++;
        this.stats.bytesUp += bytes.byteLength;
      }, () => this.stats.count('weights unavailable'));
    });
  }

  private onClose(code: number): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.pingSentAt = 0;
    if (this.live) this.stats.connected--;
    this.live = false;
    this.socket = null;
    if (this.stopped) return;
    if (!this.dropping) this.stats.unexpectedCloses.set(code, (this.stats.unexpectedCloses.get(code) ?? 0) + 1);
    this.dropping = false;
    this.later(this.options.reconnectMs * (0.5 + this.options.random()), () => this.start());
  }

  private send(message: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
