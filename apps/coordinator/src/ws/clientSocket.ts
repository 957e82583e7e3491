// The client WebSocket endpoint (/ws): hello/welcome, heartbeats, updates and failures. Every
// frame is validated; bad input gets a coded error (and a log line without payload), the
// connection closes where the error is fatal, and nothing reaches the model unchecked.

import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { ErrorCodes, FlotillaError, type ClientMessage, type Hello, type NamedTensor } from '@flotilla/protocol';
import type { ConnectedClient } from '../engine/ClientRegistry.ts';
import type { Coordinator } from '../coordinator.ts';
import type { SampledLog } from '../logging/sampledLog.ts';
import type { Admission } from './admission.ts';
import { admitConnection, codedFailure, frameBytes, parseClientFrame, socketRefusal } from './clientFrames.ts';
import { watchLiveness } from './socketLiveness.ts';
import { welcomeClient } from './welcomeClient.ts';

export interface ClientSocketOptions {
  coordinator: Coordinator;
  maxFrameBytes: number;
  heartbeatIntervalMs: number;
  /** WebSocket pings to every client this often; a client that leaves one unanswered for `pongTimeoutMs` is gone. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** When set, hello must carry it; otherwise the join is refused (fatal). */
  joinToken: string | null;
  /** Connection caps and rate limits, keyed by the remote address (`req.ip`, which honours the app's trustProxy). */
  admission: Admission;
  /** Where refusals are logged, sampled per code and address. */
  rejections: SampledLog;
}

export const clientSocket: FastifyPluginAsync<ClientSocketOptions> = async (app, { coordinator, maxFrameBytes, heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs, joinToken, admission, rejections }) => {
  const { registry, tasks, metrics, bus } = coordinator;

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, req) => {
    let client: ConnectedClient | null = null;
    const log = req.log.child({ ws: true });
    const address = req.ip;

    const send = (message: object): boolean => {
      if (socket.readyState !== socket.OPEN) return false;
      socket.send(JSON.stringify(message));
      return true;
    };
    const refuse = socketRefusal(socket, send, (err) => {
      metrics.rejected.inc({ code: err.code });
      rejections.refused(address, err.code, { reqId: req.id, clientId: client?.id, reason: err.message }, 'client message refused');
    });
    const ticket = admitConnection(admission, address, refuse);
    if (!ticket) return;

    const liveness = watchLiveness(socket, req.raw.socket, {
      heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs,
      onDeaf: (silentMs) => log.info({ clientId: client?.id, silentMs }, 'client answers no pings: its connection is gone'),
    });

    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const lastSeen = liveness.seen();
      const bytes = frameBytes(data);
      metrics.bytesReceived.inc(bytes.byteLength);
      try {
        ticket.admitMessage();
        const { message, tensors, words } = parseClientFrame(bytes, isBinary, maxFrameBytes);
        if (message.type === 'hello') {
          if (client) throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, 'hello was already received on this connection', true);
          admission.admitHello(address);
          client = welcome(message);
          return;
        }
        if (!client) throw new FlotillaError(ErrorCodes.NOT_WELCOMED, `${message.type} before hello`, true);
        client.lastSeen = lastSeen;
        dispatch(client, message, tensors, words, bytes.byteLength);
      } catch (err) {
        refuse(codedFailure(err, (e) => log.error({ err: e, clientId: client?.id }, 'unexpected failure handling a client message')));
      }
    });

    socket.on('close', () => {
      liveness.stop();
      ticket.release();
      // Nothing is recorded during shutdown: the store is closing, and a restarted coordinator takes the client back under its id.
      if (!client || coordinator.closing) return;
      const gone = client;
      registry.remove(gone.id, gone);
      metrics.connectedClients.set(registry.size);
      bus.publish('client.left', gone.taskId, { clientId: gone.id });
    });

    function welcome(hello: Hello): ConnectedClient {
      const { client: connected, resumed } = welcomeClient(coordinator, hello, {
        joinToken, heartbeatIntervalMs, maxFrameBytes, send, close: (code, reason) => socket.close(code, reason),
      });
      log.info({ clientId: connected.id, kind: hello.kind, backend: hello.device.backend, resumed }, 'client joined');
      return connected;
    }

    function dispatch(from: ConnectedClient, message: ClientMessage, tensors: NamedTensor[], words: Uint32Array | undefined, bytes: number): void {
      switch (message.type) {
        case 'heartbeat':
          // A measured uplink only ever feeds uplinkFor (the slow-link codec): a claim buys nothing else.
          if (message.uplinkKbps !== undefined) from.device = { ...from.device, uplinkKbps: message.uplinkKbps };
          return;
        case 'update': {
          const runner = tasks.runner(message.taskId);
          if (!runner) throw new FlotillaError(ErrorCodes.STALE_ROUND, `task ${message.taskId} is not running`);
          runner.acceptUpdate(from, message, tensors, bytes);
          send({ type: 'update.ack', taskId: message.taskId, round: message.round });
          return;
        }
        case 'fit.failed':
          rejections.noted(address, 'fit.failed', { reqId: req.id, clientId: from.id, round: message.round, reason: message.code }, 'client reports a training failure');
          tasks.runner(message.taskId)?.fitFailed(from.id, message.round, message.code);
          return;
        case 'progress': {
          // Only a selected client's progress in the round in flight reaches the dashboards; any
          // other (a late one after the round closed, or one naming a task the client is not in) is
          // dropped, so no client can fill every dashboard's stream with progress it does not make.
          const runner = tasks.runner(message.taskId);
          const rs = runner?.current;
          const training = runner?.buffered ? runner.buffered.isTraining(from.id) : rs?.round === message.round && rs.selected.has(from.id);
          if (!training) return;
          bus.publish('client.progress', message.taskId, { clientId: from.id, ...message }, { durable: false });
          return;
        }
        case 'secagg.advertise':
        case 'secagg.shares':
        case 'secagg.masked':
        case 'secagg.reveal': {
          const runner = tasks.runner(message.taskId);
          if (!runner) throw new FlotillaError(ErrorCodes.STALE_ROUND, `task ${message.taskId} is not running`);
          runner.acceptSecAgg(from, message, words, bytes);
          if (message.type === 'secagg.masked') send({ type: 'update.ack', taskId: message.taskId, round: message.round });
          return;
        }
        case 'evaluation': {
          const runner = tasks.runner(message.taskId);
          if (!runner) throw new FlotillaError(ErrorCodes.STALE_ROUND, `task ${message.taskId} is not running`);
          runner.acceptEvaluation(from, message);
          return;
        }
        case 'evaluate.failed':
          rejections.noted(address, 'evaluate.failed', { reqId: req.id, clientId: from.id, round: message.round, reason: message.code }, 'client reports an evaluation failure');
          tasks.runner(message.taskId)?.evaluationFailed(from.id, message.round, message.code);
          return;
        case 'hello':
          return;
        default: {
          const never: never = message;
          throw new Error(`unhandled message ${JSON.stringify(never)}`);
        }
      }
    }
  });
};
