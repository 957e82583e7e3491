// The coordinator's event stream: what dashboards and the fleet CLI watch. Durable events are
// appended to the store first (so a reconnecting viewer resumes by sequence number, even after
// a restart); ephemeral ones (training progress) are only fanned out.

import type { EventRecord, Store } from '../store/Store.ts';

export type EventType =
  | 'client.joined' | 'client.left' | 'task.created' | 'task.state' | 'round.started' | 'round.phase'
  | 'round.report' | 'round.dropout' | 'round.committed' | 'round.abandoned' | 'baseline.progress'
  | 'baseline.done' | 'client.error' | 'client.progress' | 'vertical.state' | 'model.worker'
  | 'evaluation.started' | 'evaluation.report' | 'evaluation.completed' | 'model.uploaded';

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

  publish(type: EventType, taskId: string | null, data: Record<string, unknown>, options: { durable?: boolean } = {}): BusEvent {
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
