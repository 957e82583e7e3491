// The liveness watch of one client WebSocket, shared by the coordinator's and an edge's /ws: a
// heartbeat watchdog and a protocol pinger, stopped together when the connection closes.

import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

export interface LivenessOptions {
  heartbeatIntervalMs: number;
  /** WebSocket pings this often; a peer that leaves one unanswered for `pongTimeoutMs` is gone. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Told before a connection deaf to pings is terminated (for a log line). */
  onDeaf?: (silentMs: number) => void;
}

/** A running watch: `seen` marks a message from the peer (and returns its time), `stop` ends the watch. */
export interface SocketLiveness {
  seen(): number;
  stop(): void;
}

/**
 * Watches one connection until `stop`: a client silent for three heartbeat intervals is
 * terminated, whatever TCP thinks, and so is one that answers no protocol ping in `pongTimeoutMs`.
 * @example
 * const liveness = watchLiveness(socket, req.raw.socket, { heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs });
 * socket.on('message', () => { const at = liveness.seen(); … });
 * socket.on('close', () => liveness.stop());
 */
export function watchLiveness(socket: WebSocket, raw: Socket, options: LivenessOptions): SocketLiveness {
  const { heartbeatIntervalMs, pingIntervalMs, pongTimeoutMs, onDeaf } = options;
  let lastSeen = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - lastSeen > 3 * heartbeatIntervalMs) socket.terminate();
  }, heartbeatIntervalMs);
  // A device that lost its network is noticed sooner by protocol pings: browsers and `ws` answer
  // them below the page's and the trainer's code, so a tab busy training still answers at once,
  // while one whose link is gone cannot. Any bytes from the peer count as an answer: a pong may
  // wait behind a large update crawling up a slow link. The heartbeat watchdog remains for a
  // client that answers pings but hangs.
  let lastHeard = Date.now();
  const heard = () => { lastHeard = Date.now(); };
  socket.on('pong', heard);
  raw.on('data', heard);
  const pinger = setInterval(() => {
    const silentMs = Date.now() - lastHeard;
    if (silentMs > pongTimeoutMs) {
      onDeaf?.(silentMs);
      socket.terminate();
      return;
    }
    if (socket.readyState === socket.OPEN) socket.ping();
  }, pingIntervalMs);
  return {
    seen() {
      lastSeen = Date.now();
      return lastSeen;
    },
    stop() {
      clearInterval(watchdog);
      clearInterval(pinger);
      raw.off('data', heard);
    },
  };
}
