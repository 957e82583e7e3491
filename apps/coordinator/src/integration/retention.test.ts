// Retention over a real coordinator: a dashboard resuming with Last-Event-ID after old events were
// deleted gets exactly what it missed, and a recent client resumes its id across a restart while
// a hello-only client idle past the retention time rejoins under a new one.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, eventually, operatorHeaders, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

/** Reads an event stream until `count` events arrived; returns their ids. */
async function readEventIds(url: string, lastEventId: number, count: number): Promise<number[]> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/events?ephemeral=false`, { headers: { ...operatorHeaders(), 'last-event-id': String(lastEventId) }, signal: controller.signal });
  const reader = res.body!.getReader();
  const ids: number[] = [];
  let text = '';
  while (ids.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    const blocks = text.split('\n\n');
    text = blocks.pop()!;
    for (const block of blocks) {
      const id = /^id: (\d+)$/m.exec(block);
      if (id) ids.push(Number(id[1]));
    }
  }
  controller.abort();
  return ids;
}

describe('retention', () => {
  let coordinator: TestCoordinator | null = null;
  const sockets: RawClient[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await coordinator?.close();
    coordinator = null;
  });
  const hello = async (extra: Record<string, unknown> = {}) => {
    const c = new RawClient(coordinator!.url);
    sockets.push(c);
    return c.hello(extra);
  };

  it('keeps the newest events; a viewer resuming after a recent id gets exactly what it missed', async () => {
    coordinator = await startTestCoordinator({ retention: { eventsPerTask: 4, intervalMs: 50 } });
    for (let i = 0; i < 10; i++) await hello();
    const { store } = coordinator.app.coordinator;
    const kept = await eventually(() => {
      const events = store.listEvents({ limit: 100 });
      return events.length <= 4 ? events : undefined;
    }, 10_000, 'old events deleted');
    const all = kept.map((e) => e.seq);

    expect(all.length).toBeGreaterThan(1);
    expect(await readEventIds(coordinator.url, all[0]!, all.length - 1)).toEqual(all.slice(1));
  });

  it('resumes a recent client under its id across a restart, and gives a hello-only client idle too long a new one', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-retention-'));
    coordinator = await startTestCoordinator({ dataDir });
    const recent = await hello();
    for (const s of sockets.splice(0)) s.close();
    await coordinator.close();

    coordinator = await startTestCoordinator({ dataDir });
    const resumed = await hello({ clientId: recent.clientId, resumeToken: recent.resumeToken });
    expect(resumed.clientId).toBe(recent.clientId);
    for (const s of sockets.splice(0)) s.close();
    await eventually(() => (coordinator!.app.coordinator.registry.size === 0 ? true : undefined), 10_000, 'clients gone');
    await coordinator.close();

    coordinator = await startTestCoordinator({ dataDir, retention: { idleClientMs: 1 } });
    const rejoined = await hello({ clientId: recent.clientId, resumeToken: recent.resumeToken });
    expect(rejoined.clientId).not.toBe(recent.clientId);
  });
});
