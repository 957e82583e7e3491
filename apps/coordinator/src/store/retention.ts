// Retention: the events table and the client table do not grow without bound. Anyone may say
// hello, and every hello used to leave a client row and events forever.

import type { FastifyBaseLogger } from 'fastify';
import type { ClientRegistry } from '../engine/ClientRegistry.ts';
import type { Store } from './Store.ts';

export interface RetentionOptions {
  /** Newest events kept per task (and for task-less events); older ones are deleted. */
  eventsPerTask: number;
  /** Rows of clients that never joined a round are deleted once not seen for this long. */
  idleClientMs: number;
  /** How often the sweep runs. */
  intervalMs: number;
}

/**
 * 10,000 events per task are about 50 rounds of a 100-client task, well past what a dashboard
 * that reconnects needs to replay. A client row is worth keeping for its resume token and its
 * round history: a client that trained is kept forever; one that only said hello a day ago has
 * neither worth keeping (it rejoins under a new id).
 */
export const DEFAULT_RETENTION: RetentionOptions = { eventsPerTask: 10_000, idleClientMs: 24 * 3_600_000, intervalMs: 60_000 };

export interface Retention {
  /** One sweep now; returns what it deleted. */
  sweep(): { events: number; clients: number };
  stop(): void;
}

/**
 * Sweeps at once and then every `intervalMs` (timer unref'd) until stopped.
 * @example const retention = startRetention(store, registry, DEFAULT_RETENTION, app.log);
 */
export function startRetention(store: Store, registry: ClientRegistry, options: RetentionOptions, log: FastifyBaseLogger, now: () => number = Date.now): Retention {
  const sweep = () => {
    const events = store.pruneEvents(options.eventsPerTask);
    const connected = new Set(registry.list().map((c) => c.id));
    const clients = store.pruneIdleClients(now() - options.idleClientMs, connected);
    if (events > 0 || clients > 0) log.info({ events, clients }, 'retention: old events and idle client rows deleted');
    return { events, clients };
  };
  sweep();
  const timer = setInterval(() => {
    try {
      sweep();
    } catch (err) {
      log.warn({ err }, 'retention sweep failed; the next one retries');
    }
  }, options.intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
