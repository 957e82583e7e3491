// A client's hello answered: version and join token checked, identity resumed or issued, the
// client recorded and registered. Shared by the /ws endpoint and the root's edge bridge.

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, FlotillaError, PROTOCOL_VERSION, taskSchema, type Hello, type Welcome } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import type { ConnectedClient } from '../engine/ClientRegistry.ts';
import { checkHelloExamples } from '../engine/exampleCounts.ts';
import { personalSummary } from '../engine/personalLayout.ts';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const sameHash = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface WelcomeOptions {
  /** The configured join token, or null when clients join without one. */
  joinToken: string | null;
  heartbeatIntervalMs: number;
  maxFrameBytes: number;
  /** How the coordinator reaches the client (its socket, or its edge). */
  send(message: object): boolean;
  close(code: number, reason: string): void;
  /** The edge the client is connected to; absent when it is on this process's own /ws. */
  edge?: string;
}

/**
 * Answers a hello: throws a (fatal) FlotillaError to refuse it, else sends the welcome, registers
 * the client and publishes `client.joined`. Returns the connected client and whether it resumed.
 * @example const { client } = welcomeClient(coordinator, hello, { joinToken: null, heartbeatIntervalMs: 5000, maxFrameBytes, send, close });
 */
export function welcomeClient(coordinator: Coordinator, hello: Hello, options: WelcomeOptions): { client: ConnectedClient; resumed: boolean } {
  const { registry, tasks, metrics, store, bus, joinTokens } = coordinator;
  const { heartbeatIntervalMs, maxFrameBytes, send } = options;
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new FlotillaError(ErrorCodes.PROTOCOL_VERSION, `protocol ${hello.protocolVersion} is not supported; this coordinator speaks ${PROTOCOL_VERSION}`, true);
  }
  const grant = joinTokens.admit(hello.joinToken, options.joinToken, hello.taskId);
  if (grant.taskId) hello.taskId = grant.taskId;
  if (hello.taskId && !store.getTask(hello.taskId)) throw new FlotillaError(ErrorCodes.TASK_NOT_FOUND, `no task ${hello.taskId}`, true);
  checkHelloExamples(tasks, hello);
  // A returning client proves its identity with the token it was given; otherwise it is new.
  const known = hello.clientId ? store.getClient(hello.clientId) : null;
  const resumed = known !== null && hello.resumeToken !== undefined && sameHash(known.tokenHash, hashToken(hello.resumeToken));
  const id = resumed ? known.id : randomUUID();
  const resumeToken = resumed ? hello.resumeToken! : randomBytes(24).toString('base64url');
  const now = Date.now();
  store.upsertClient({
    id, tokenHash: hashToken(resumeToken), kind: hello.kind, backend: hello.device.backend,
    examplesPerSec: hello.device.examplesPerSec ?? null, firstSeen: known?.firstSeen ?? now, lastSeen: now,
    roundsJoined: known?.roundsJoined ?? 0, dropouts: known?.dropouts ?? 0,
  });
  const connected: ConnectedClient = {
    id, kind: hello.kind, device: hello.device, codecs: hello.capabilities.codecs, taskId: hello.taskId ?? null, partitionIndex: hello.partitionIndex ?? null,
    numExamples: hello.numExamples ?? null, trainSplit: hello.trainSplit === true, connectedAt: now, lastSeen: now, send,
    close: options.close, ...(options.edge === undefined ? {} : { edge: options.edge }),
  };
  const activeId = hello.taskId ?? tasks.activeTaskId();
  const task = activeId ? store.getTask(activeId) : null;
  const reply: Welcome = {
    type: 'welcome', protocolVersion: PROTOCOL_VERSION, clientId: id, resumeToken, heartbeatIntervalMs, maxFrameBytes,
    task: task ? {
      id: task.id, name: task.name, model: task.config.model, schema: taskSchema(task.config.data),
      clientTestFraction: task.config.data.clientTestFraction ?? 0, seed: task.config.seed,
      ...personalSummary(task.config),
      ...(task.config.asynchronous?.enabled ? { asynchronous: true } : {}),
    } : null,
  };
  send(reply);
  registry.add(connected);
  joinTokens.bind(grant, id);
  metrics.connectedClients.set(registry.size);
  bus.publish('client.joined', connected.taskId, { clientId: id, kind: hello.kind, backend: hello.device.backend, examplesPerSec: hello.device.examplesPerSec ?? null, resumed });
  return { client: connected, resumed };
}
