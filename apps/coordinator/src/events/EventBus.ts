// The coordinator's event stream: what dashboards and the fleet CLI watch. Durable events are
// appended to the store first (so a reconnecting viewer resumes by sequence number, even after
// a restart); ephemeral ones (training progress) are only fanned out.

import type { EventPayloads, EventType } from '@flotilla/protocol';
import type { EventRecord, Store } from '../store/Store.ts';

/** Event types and their payloads are listed once, in packages/protocol (events.ts). */
export type { EventType };

export interface BusEvent extends Omit<EventRecord, 'seq'> {
  /** Null for ephemeral events, which are never replayed. */
  seq: number | null;
  type: EventType;
}

type Listener = (event: BusEvent) => void;

/**
 * Publishes events to subscribers, persisting the durable ones.
 * @example bus.publish('round.committed', taskId, { round: 4, accuracy: 0.91 });
 */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly store: Store) {}

  /** The payload's type is the protocol's for `type` (EventPayloads): a field it lacks does not compile. */
  publish<K extends EventType>(type: K, taskId: string | null, data: EventPayloads[K], options: { durable?: boolean } = {}): BusEvent {
    const at = Date.now();
    const event: BusEvent = options.durable === false
      ? { seq: null, at, taskId, type, data }
      : { ...this.store.appendEvent({ at, taskId, type, data }), type };
    for (const listener of this.listeners) listener(event);
    return event;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Durable events after a sequence number, for a viewer catching up. */
  history(afterSeq: number, limit = 1000, taskId?: string): BusEvent[] {
    return this.store.listEvents({ afterSeq, limit, ...(taskId ? { taskId } : {}) }) as BusEvent[];
  }
}
