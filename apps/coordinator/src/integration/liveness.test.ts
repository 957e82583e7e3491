// A client whose link is gone is noticed by WebSocket pings long before the heartbeat cutoff,
// while a client that is silent at the application level (busy training) but answers pings stays.

import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, api, eventually, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

describe('connection liveness', () => {
  let coordinator: TestCoordinator | undefined;
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const r of raws) r.close();
    // The coordinator's close handlers write to the store: let them run before it closes.
    const url = coordinator!.url;
    await eventually(async () => {
      const { body } = await api<{ clients: { connected: boolean }[] }>(url, '/api/clients');
      return body.clients.every((c) => !c.connected) ? true : undefined;
    }, 10_000, 'every client to be gone');
    await coordinator?.close();
  });

  // Heartbeats every 60 s: only the pings can tell here whether a client is still there.
  const start = () => startTestCoordinator({ heartbeatIntervalMs: 60_000, pingIntervalMs: 200, pongTimeoutMs: 800 });

  it('drops a client that answers no pings within the pong timeout, not three heartbeats', async () => {
    coordinator = await start();
    const gone = new RawClient(coordinator.url, { autoPong: false });
    raws.push(gone);
    const { clientId } = await gone.hello();
    // Three heartbeats would take 180 s.
    await gone.waitClosed(10_000);
    const { body } = await api<{ clients: { id: string; connected: boolean }[] }>(coordinator.url, '/api/clients');
    expect(body.clients.find((c) => c.id === clientId)?.connected).toBe(false);
  });

  it('keeps a client that sends nothing for many pong timeouts but answers pings', async () => {
    coordinator = await start();
    const busy = new RawClient(coordinator.url);
    raws.push(busy);
    const { clientId } = await busy.hello();
    // Five pong timeouts without a single application message.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(busy.closed).toBeNull();
    const connected = await eventually(async () => {
      const { body } = await api<{ clients: { id: string; connected: boolean }[] }>(coordinator!.url, '/api/clients');
      return body.clients.find((c) => c.id === clientId)?.connected;
    }, 5_000, 'the client list');
    expect(connected).toBe(true);
  });
});
