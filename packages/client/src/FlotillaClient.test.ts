import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { FlotillaClient } from './FlotillaClient.ts';
import type { ClientEvent, Trainer, WebSocketLike } from './types.ts';

/** A socket the test drives: it opens at once and closes when told. */
class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  readonly sent: string[] = [];
  send(data: string | Uint8Array): void {
    this.sent.push(String(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const trainer: Trainer = { device: () => ({ backend: 'cpu' }), train: () => Promise.reject(new Error('not in this test')) };

describe('FlotillaClient reconnect backoff', () => {
  const sockets: FakeSocket[] = [];
  const events: ClientEvent[] = [];
  let client: FlotillaClient;
  beforeEach(() => {
    vi.useFakeTimers();
    client = new FlotillaClient({
      url: 'http://127.0.0.1:1', kind: 'node', trainer, data: { images: new Float32Array(), labels: new Uint8Array(), count: 0 },
      webSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      backoff: { baseMs: 100, maxMs: 8_000 },
      onEvent: (e) => events.push(e),
    });
  });
  afterEach(() => {
    client.stop();
    sockets.length = 0;
    events.length = 0;
    vi.useRealTimers();
  });
  const retries = () => events.flatMap((e) => (e.type === 'disconnected' && e.retryInMs !== null ? [e.retryInMs] : []));

  it.each([ErrorCodes.TOO_MANY_CONNECTIONS, ErrorCodes.RATE_LIMITED])('waits at least half its longest backoff after %s, instead of hammering', (code) => {
    client.start();
    for (let attempt = 0; attempt < 20; attempt++) {
      const socket = sockets.at(-1)!;
      socket.open();
      socket.receive({ type: 'error', code, message: 'try again later', fatal: true });
      socket.drop(1013, code);
      vi.advanceTimersByTime(8_000);
    }

    expect(retries()).toHaveLength(20);
    for (const ms of retries()) expect(ms).toBeGreaterThanOrEqual(4_000);
    expect(new Set(retries()).size).toBeGreaterThan(1);
  });

  it('reconnects after an ordinary drop within the exponential window', () => {
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);

    expect(retries()[0]).toBeLessThan(100);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
  });
});
