// ONE EventSource on /api/events for the whole dashboard. The browser reconnects by itself and
// resends Last-Event-ID, so the coordinator replays exactly what was missed (from its store, so
// also across a coordinator restart). Only when the browser gives up (a non-200 answer) do we
// open a new stream, resuming with ?after= from the last id seen.

import { EventPayloads, type EventType } from '@flotilla/protocol';

export type { EventType };
/** Every event type the coordinator publishes (packages/protocol events.ts); the stream listens to each. */
export const EVENT_TYPES = Object.keys(EventPayloads.properties) as EventType[];

export interface FeedEvent {
  type: EventType;
  seq: number | null;
  taskId: string | null;
  at: number;
  data: Record<string, unknown>;
}

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface FeedHandlers {
  onEvent(event: FeedEvent): void;
  onStatus(status: FeedStatus): void;
  /** The stream (re)opened: REST views may be stale after a gap, refresh them once. */
  onOpen(): void;
}

/**
 * Opens the stream; returns a function that closes it.
 * @example const close = openEventFeed({ onEvent, onStatus, onOpen });
 */
export function openEventFeed(handlers: FeedHandlers): () => void {
  let lastSeq = 0;
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const connect = () => {
    // The session cookie authenticates the stream (EventSource sends same-origin cookies), so no token rides in the URL.
    const query = new URLSearchParams(lastSeq > 0 ? { after: String(lastSeq) } : {});
    const es = new EventSource(`/api/events?${query}`);
    source = es;
    handlers.onStatus(lastSeq > 0 ? 'reconnecting' : 'connecting');
    es.onopen = () => {
      handlers.onStatus('live');
      handlers.onOpen();
    };
    es.onerror = () => {
      if (closed) return;
      if (es.readyState === EventSource.CONNECTING) {
        handlers.onStatus('reconnecting');
        return;
      }
      // The browser gave up (e.g. 401 or 5xx): find out whether the session was refused.
      es.close();
      void fetch('/api/tasks', { credentials: 'same-origin' }).then(
        (r) => (r.status === 401 ? handlers.onStatus('refused') : schedule()),
        () => schedule(),
      );
    };
    for (const type of EVENT_TYPES) {
      es.addEventListener(type, (message) => {
        const m = message as MessageEvent<string>;
        let payload: Record<string, unknown>;
        try {
          payload = JSON.parse(m.data) as Record<string, unknown>;
        } catch {
          return;
        }
        const { taskId, at, seq, ...data } = payload;
        const event: FeedEvent = { type, seq: typeof seq === 'number' ? seq : null, taskId: (taskId as string | null) ?? null, at: Number(at), data };
        if (event.seq !== null) {
          if (event.seq <= lastSeq) return;
          lastSeq = event.seq;
        }
        handlers.onEvent(event);
      });
    }
  };
  const schedule = () => {
    if (closed) return;
    handlers.onStatus('reconnecting');
    retry = setTimeout(connect, 2000);
  };
  connect();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}
