// Connected clients: who is online, what they announced, and how to reach them. The round
// engine samples from here; the WebSocket layer adds and removes.

import { EventEmitter } from 'node:events';
import type { ClientKind, DeviceInfo } from '@flotilla/protocol';

export interface ConnectedClient {
  id: string;
  kind: ClientKind;
  device: DeviceInfo;
  /** The codecs its hello advertised (absent: float32 only). */
  codecs?: readonly string[];
  /** The task the client asked for; null follows whichever task is active. */
  taskId: string | null;
  partitionIndex: number | null;
  numExamples: number | null;
  /** `numExamples` is the training part (the hello said so); false: the whole data, maybe before its held-out share is split off. */
  trainSplit?: boolean;
  connectedAt: number;
  lastSeen: number;
  /** The edge aggregator the client is connected to (`--role edge`); absent on the coordinator's own /ws. */
  edge?: string;
  /** Sends a JSON message; false when the socket is no longer open. */
  send(message: object): boolean;
  close(code: number, reason: string): void;
}

/**
 * Emits 'change' whenever a client joins or leaves, and 'left' with the client id.
 * @example registry.on('change', () => engine.wake());
 */
export class ClientRegistry extends EventEmitter {
  private readonly clients = new Map<string, ConnectedClient>();

  add(client: ConnectedClient): void {
    const previous = this.clients.get(client.id);
    // A reload rejoins under the same id: the newer socket wins, the old one is let go.
    if (previous) {
      this.clients.delete(client.id);
      previous.close(4000, 'replaced by a newer connection');
      this.emit('left', client.id);
    }
    this.clients.set(client.id, client);
    this.emit('change');
  }

  remove(id: string, client?: ConnectedClient): void {
    const current = this.clients.get(id);
    if (!current || (client && current !== client)) return;
    this.clients.delete(id);
    this.emit('left', id);
    this.emit('change');
  }

  get(id: string): ConnectedClient | undefined {
    return this.clients.get(id);
  }

  list(): ConnectedClient[] {
    return [...this.clients.values()];
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Clients that may train for a task: bound to it, or unbound while it is the active task. A
   * client that announced no examples (a join page that connected to learn the task's schema
   * before its person picked files) is connected but has nothing to train or evaluate on.
   */
  eligibleFor(taskId: string, isActiveTask: boolean): ConnectedClient[] {
    return this.list().filter((c) => (c.taskId === taskId || (c.taskId === null && isActiveTask)) && c.numExamples !== 0);
  }

  /** Resolves on the next join or leave, or after `timeoutMs`. */
  nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('change', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('change', done);
    });
  }
}
