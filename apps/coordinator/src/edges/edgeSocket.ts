// An edge's client WebSocket endpoint (/ws): the same protocol, admission and frame checks as the
// coordinator's; hellos and control messages go to the root, updates are checked here, counted by
// the root, then folded into this edge's partial sum.

import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { ErrorCodes, FlotillaError, type ClientMessage, type Hello, type NamedTensor, type Update } from '@flotilla/protocol';
import { assertPlannedCodec, uplinkFor } from '../engine/uplinkCodec.ts';
import { validateUpdate } from '../engine/validateUpdate.ts';
import type { SampledLog } from '../logging/sampledLog.ts';
import type { Admission } from '../ws/admission.ts';
import { admitConnection, codedFailure, frameBytes, parseClientFrame, socketRefusal } from '../ws/clientFrames.ts';
import { watchLiveness } from '../ws/socketLiveness.ts';
import { EDGE_BUS, encodeJson, type EdgeBusConnection } from './edgeBus.ts';
import { askRoot, type EdgeRounds } from './EdgeRounds.ts';

/** One client connection of this edge, as the root's messages reach it. */
export interface EdgeConnection {
  clientId: string | null;
  send(message: object): void;
  close(code: number, reason: string): void;
}

export interface EdgeSocketOptions {
  bus: EdgeBusConnection;
  rounds: EdgeRounds;
  /** The edge's connections by id, shared with the subscription that delivers the root's messages. */
  connections: Map<string, EdgeConnection>;
  maxFrameBytes: number;
  heartbeatIntervalMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  admission: Admission;
  rejections: SampledLog;
}

/**
 * The edge's /ws route, as a Fastify plugin.
 * @example await app.register(edgeSocket, { bus, rounds, connections, maxFrameBytes, heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs, admission, rejections });
 */
export const edgeSocket: FastifyPluginAsync<EdgeSocketOptions> = async (app, options) => {
  const { bus, rounds, connections, maxFrameBytes, heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs, admission, rejections } = options;
  const edgeId = rounds.edgeId;
  const publish = (subject: string, body: unknown) => { if (!bus.nc.isClosed()) bus.nc.publish(subject, encodeJson(body)); };

  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket: WebSocket, req) => {
    const conn = randomUUID();
    const address = req.ip;
    let hello: Hello | null = null;
    const send = (message: object): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const self: EdgeConnection = { clientId: null, send, close: (code, reason) => socket.close(code, reason) };
    const refuse = socketRefusal(socket, send, (err) => {
      rejections.refused(address, err.code, { reqId: req.id, clientId: self.clientId, edge: edgeId, reason: err.message }, 'client message refused');
    });
    const ticket = admitConnection(admission, address, refuse);
    if (!ticket) return;
    connections.set(conn, self);

    // As on the coordinator: silent for three heartbeats, or deaf to pings, and the client is gone.
    const liveness = watchLiveness(socket, req.raw.socket, { heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs });

    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      liveness.seen();
      const bytes = frameBytes(data);
      try {
        ticket.admitMessage();
        const { message, tensors } = parseClientFrame(bytes, isBinary, maxFrameBytes);
        if (message.type === 'hello') {
          if (hello) throw new FlotillaError(ErrorCodes.SCHEMA_VIOLATION, 'hello was already received on this connection', true);
          admission.admitHello(address);
          hello = message;
          // The root answers (welcome or a coded refusal) through this edge's subject.
          publish(EDGE_BUS.hello, { edgeId, conn, hello: message });
          return;
        }
        const clientId = self.clientId;
        if (!hello || !clientId) throw new FlotillaError(ErrorCodes.NOT_WELCOMED, `${message.type} before welcome`, true);
        dispatch(hello, clientId, message, tensors, bytes.byteLength);
      } catch (err) {
        refuse(codedFailure(err, (e) => req.log.error({ err: e, clientId: self.clientId }, 'unexpected failure handling a client message')));
      }
    });

    socket.on('close', () => {
      liveness.stop();
      ticket.release();
      connections.delete(conn);
      if (hello) publish(EDGE_BUS.left, { edgeId, conn, clientId: self.clientId });
    });

    function dispatch(from: Hello, clientId: string, message: ClientMessage, tensors: NamedTensor[], bytes: number): void {
      switch (message.type) {
        case 'heartbeat':
        case 'hello':
          return;
        case 'update':
          void acceptUpdate(from, clientId, message, tensors, bytes);
          return;
        case 'secagg.advertise':
        case 'secagg.shares':
        case 'secagg.masked':
        case 'secagg.reveal':
          // The hierarchy refuses secure aggregation at task creation: no round here is a secure one.
          throw new FlotillaError(ErrorCodes.STALE_ROUND, `round ${message.round} is not a secure round in flight`);
        case 'fit.failed':
        case 'progress':
        case 'evaluation':
        case 'evaluate.failed':
          publish(EDGE_BUS.message, { edgeId, conn, clientId, message });
          return;
        default: {
          const never: never = message;
          throw new Error(`unhandled message ${JSON.stringify(never)}`);
        }
      }
    }

    /** Tensors checked here, the report counted by the root, then folded: an update the root refuses never reaches a sum. */
    async function acceptUpdate(from: Hello, clientId: string, message: Update, tensors: NamedTensor[], bytes: number): Promise<void> {
      let flat: Float32Array;
      try {
        const facts = await rounds.taskFacts(message.taskId);
        assertPlannedCodec(tensors, uplinkFor(facts.config, { device: from.device, codecs: from.capabilities.codecs }));
        // The example count is the root's to check (it knows the task's rule and the client's hello).
        flat = validateUpdate(message, tensors, { shapes: facts.shapes, maxUpdateNorm: facts.config.limits.maxUpdateNorm, maxExamples: Number.POSITIVE_INFINITY });
      } catch (err) {
        const coded = codedFailure(err);
        // The root hears of it as a failed fit, so its round does not wait for this client.
        publish(EDGE_BUS.message, { edgeId, conn, clientId, message: { type: 'fit.failed', taskId: message.taskId, round: message.round, code: coded.code } });
        refuse(coded);
        return;
      }
      try {
        await askRoot(bus, EDGE_BUS.update, { edgeId, conn, clientId, message, bytes });
      } catch (err) {
        refuse(codedFailure(err));
        return;
      }
      rounds.fold(message.taskId, message.round, clientId, flat, message.numExamples);
      send({ type: 'update.ack', taskId: message.taskId, round: message.round });
    }
  });
};
