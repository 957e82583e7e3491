// The NATS side shared by the root and its edges: subject names, the messages that cross between
// them, and the JetStream parts (partial-sum stream, round-state and lease buckets, object stores).

import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { Hello } from '@flotilla/protocol';

/** Subjects and JetStream names; one NATS account serves one root and its edges. */
export const EDGE_BUS = {
  /** Edge → root: a client's hello, to be welcomed (or refused) by the root. */
  hello: 'flotilla.root.hello',
  /** Edge → root: a control message of a welcomed client (fit.failed, progress, evaluation …). */
  message: 'flotilla.root.message',
  /** Edge → root, request: may this validated update count in its round? */
  update: 'flotilla.root.update',
  /** Edge → root: a client's socket closed. */
  left: 'flotilla.root.left',
  /** Edge → root, request: the task's configuration and model shapes. */
  task: 'flotilla.root.task',
  /** Edge → root, request: put a model version's weights frame in the object store. */
  weights: 'flotilla.root.weights',
  /** Root → one edge: a message for one of its connections. */
  toEdge: (edgeId: string) => `flotilla.edge.${edgeId}.send`,
  /** Root → every edge: a round closed, publish your partial sums of it. */
  flush: 'flotilla.edges.flush',
  /** Stream of partial sums; subjects `flotilla.partials.<task>.<round>.<edge>`, message id `<task>.<round>.<edge>`. */
  partialStream: 'FLOTILLA_PARTIALS',
  partialSubject: (taskId: string, round: number, edgeId: string) => `flotilla.partials.${taskId}.${round}.${edgeId}`,
  partialId: (taskId: string, round: number, edgeId: string) => `${taskId}.${round}.${edgeId}`,
  /** Object store of the partial sums' vectors (the stream message names its object). */
  partialObjects: 'flotilla-partials',
  /** Object store of model versions' weights frames, named `<task>.<version>`. */
  models: 'flotilla-models',
  modelName: (taskId: string, version: number) => `${taskId}.${version}`,
  /** Key-value bucket of rounds in flight, key `round.<task>`. */
  rounds: 'flotilla-rounds',
  /** Key-value bucket of edge leases, key `edge.<id>`; its max age is the lease (nats-server 2.9 has no per-key TTL). */
  leases: 'flotilla-leases',
} as const;

/** How long an edge's lease lives without renewal; edges renew it every third of that. */
export const EDGE_LEASE_MS = 6_000;

/** An edge id is one NATS subject token. */
export const EDGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface EdgeHello { edgeId: string; conn: string; hello: Hello }
export interface EdgeClientMessage { edgeId: string; conn: string; clientId: string; message: { type: string; taskId?: string; round?: number } & Record<string, unknown> }
export interface EdgeUpdateRequest { edgeId: string; conn: string; clientId: string; message: Record<string, unknown>; bytes: number }
export interface EdgeLeft { edgeId: string; conn: string; clientId: string | null }
/** Root → edge: a message for a connection, or a close of it. */
export type ToEdge =
  | { conn: string; message: Record<string, unknown> }
  | { conn: string; close: { code: number; reason: string } };
/** The root's answer to a request: ok with a body, or a coded refusal. */
export type RootReply<T> = { ok: true; body: T } | { ok: false; code: string; message: string; fatal: boolean };
/** Round `round` of `taskId` closed: each edge publishes the sum of the `expected[edge]` reports the root counted from it. */
export interface FlushRound { taskId: string; round: number; expected: Record<string, number> }
/** The stream message announcing one edge's partial sum of a round (the vector is in the object store). */
export interface PartialAnnouncement { taskId: string; round: number; edgeId: string; count: number; examples: number; clients: string[]; object: string }

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
export const decodeJson = <T>(data: Uint8Array): T => JSON.parse(decoder.decode(data)) as T;

/** A connection to the bus with the JetStream parts opened (created when missing). */
export interface EdgeBusConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  rounds: KV;
  leases: KV;
  models: ObjectStore;
  partials: ObjectStore;
  close(): Promise<void>;
}

/**
 * Connects to NATS and opens (creating where missing) the stream, buckets and object stores.
 * @example const bus = await openEdgeBus('nats://127.0.0.1:4222', 'root');
 */
export async function openEdgeBus(url: string, name: string): Promise<EdgeBusConnection> {
  const nc = await connect({ servers: url, name: `flotilla-${name}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const subjects = ['flotilla.partials.>'];
    // An hour outlives any round; the two-minute window drops a resend after an edge's reconnect.
    const stream = { name: EDGE_BUS.partialStream, subjects, max_age: nanos(3_600_000), duplicate_window: nanos(120_000) };
    try {
      await jsm.streams.info(EDGE_BUS.partialStream);
    } catch {
      await jsm.streams.add(stream).catch(async (err: unknown) => {
        // Another process created it between our look and our add.
        if (!(await jsm.streams.info(EDGE_BUS.partialStream).then(() => true, () => false))) throw err;
      });
    }
    const kvm = new Kvm(js);
    const rounds = await kvm.create(EDGE_BUS.rounds, { ttl: 24 * 3_600_000 });
    const leases = await kvm.create(EDGE_BUS.leases, { ttl: EDGE_LEASE_MS });
    const objm = new Objm(js);
    const models = await objm.create(EDGE_BUS.models);
    const partials = await objm.create(EDGE_BUS.partialObjects, { ttl: nanos(3_600_000) });
    return { nc, js, jsm, rounds, leases, models, partials, close: () => nc.close() };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
