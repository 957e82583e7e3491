// Issued join tokens end to end: an issued token admits, a revoked one refuses and disconnects the
// clients that joined with it (and the client runtime stops), the store holds hashes only, a token
// bound to a task admits to that task only, and the global --join-token keeps working beside them.

import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, type ClientEvent, type Trainer, type WebSocketLike } from '@flotilla/client';
import { ErrorCodes, PROTOCOL_VERSION, type IssuedJoinToken, type JoinTokenView } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

/** Sends a hello and returns the coordinator's refusal (the socket must then close with 1008). */
async function refusal(url: string, extra: Record<string, unknown>): Promise<{ code: string; fatal: boolean; closeCode: number }> {
  const client = new RawClient(url);
  await client.opened();
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, ...extra });
  const error = await client.next<{ code: string; fatal: boolean }>('error');
  return { code: error.code, fatal: error.fatal, closeCode: (await client.waitClosed()).code };
}

const issue = async (url: string, body: Record<string, unknown>) => {
  const { status, body: issued } = await api<IssuedJoinToken>(url, '/api/join-tokens', { method: 'POST', body });
  expect(status).toBe(201);
  return issued;
};
const listed = async (url: string) => (await api<{ joinTokens: JoinTokenView[] }>(url, '/api/join-tokens')).body.joinTokens;

describe('issued join tokens (no global join token)', () => {
  let coordinator: TestCoordinator;

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterAll(() => coordinator.close());

  it('admits anyone until a token is issued, then only holders of an issued token', async () => {
    const before = new RawClient(coordinator.url);
    expect((await before.hello()).clientId).toBeTruthy();
    before.close();

    const { token, id, label } = await issue(coordinator.url, { label: 'ward 3 tablets' });

    expect(label).toBe('ward 3 tablets');
    expect(await refusal(coordinator.url, {})).toEqual({ code: ErrorCodes.JOIN_REFUSED, fatal: true, closeCode: 1008 });
    expect(await refusal(coordinator.url, { joinToken: 'guessed' })).toEqual({ code: ErrorCodes.JOIN_REFUSED, fatal: true, closeCode: 1008 });
    const holder = new RawClient(coordinator.url);
    expect((await holder.hello({ joinToken: token })).clientId).toBeTruthy();
    const view = (await listed(coordinator.url)).find((t) => t.id === id)!;
    expect(view).toMatchObject({ connectedClients: 1, revokedAt: null, taskId: null });
    expect(view.lastUsedAt).toBeGreaterThan(0);
    expect(JSON.stringify(await listed(coordinator.url))).not.toContain(token);
    holder.close();
  });

  it('keeps only SHA-256 hashes of the tokens in the store', async () => {
    const { token, id } = await issue(coordinator.url, { label: 'hash check' });

    const db = new Database(path.join(coordinator.dataDir, 'flotilla.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM join_tokens').all() as Record<string, unknown>[];
    db.close();

    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.find((r) => r.id === id)).toMatchObject({ token_hash: createHash('sha256').update(token).digest('hex'), label: 'hash check' });
  });

  it('revoking disconnects the clients that joined with the token and refuses it afterwards', async () => {
    const { token, id } = await issue(coordinator.url, { label: 'to revoke' });
    const { token: other } = await issue(coordinator.url, { label: 'stays' });
    const revoked = new RawClient(coordinator.url);
    const kept = new RawClient(coordinator.url);
    await revoked.hello({ joinToken: token });
    await kept.hello({ joinToken: other });

    const { status, body } = await api<JoinTokenView>(coordinator.url, `/api/join-tokens/${id}/revoke`, { method: 'POST' });

    expect(status).toBe(200);
    expect(body.revokedAt).toBeGreaterThan(0);
    expect(await revoked.next<{ code: string; fatal: boolean }>('error')).toMatchObject({ code: ErrorCodes.JOIN_REVOKED, fatal: true });
    expect((await revoked.waitClosed()).code).toBe(1008);
    expect(kept.closed).toBeNull();
    expect(await refusal(coordinator.url, { joinToken: token })).toEqual({ code: ErrorCodes.JOIN_REVOKED, fatal: true, closeCode: 1008 });
    kept.close();
  });

  it('makes a client runtime holding a revoked token stop instead of retrying', async () => {
    const { token, id } = await issue(coordinator.url, { label: 'runtime' });
    const events: ClientEvent[] = [];
    const trainer: Trainer = { device: () => ({ backend: 'test' }), train: () => Promise.reject(new Error('not used')) };
    const client = new FlotillaClient({
      url: coordinator.url, kind: 'node', trainer, data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 1 },
      joinToken: token, webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 10, maxMs: 20 },
      onEvent: (e) => events.push(e),
    });
    client.start();
    await eventually(async () => ((await listed(coordinator.url)).find((t) => t.id === id)!.connectedClients === 1 ? true : undefined), 10_000, 'the client to join');

    await api(coordinator.url, `/api/join-tokens/${id}/revoke`, { method: 'POST' });

    await eventually(() => (client.status === 'stopped' ? true : undefined), 10_000, 'the client to give up');
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', code: ErrorCodes.JOIN_REVOKED, fatal: true }));
    expect(events.filter((e) => e.type === 'status' && e.status === 'reconnecting')).toHaveLength(0);
  });

  it('admits a token bound to a task to that task only, and puts a client without a task on it', async () => {
    const taskId = await createTask(coordinator.url, smallTask(), false);
    const { token } = await issue(coordinator.url, { label: 'bound', taskId });

    expect(await refusal(coordinator.url, { joinToken: token, taskId: 'another-task' })).toMatchObject({ code: ErrorCodes.JOIN_REFUSED });
    const client = new RawClient(coordinator.url);
    const welcome = await client.hello({ joinToken: token }) as unknown as { task: { id: string } | null };

    expect(welcome.task?.id).toBe(taskId);
    client.close();
  });

  it('answers coded errors for an unknown token id or task, and a bad body', async () => {
    expect((await api(coordinator.url, '/api/join-tokens/nope/revoke', { method: 'POST' })).body).toMatchObject({ code: ErrorCodes.NOT_FOUND });
    expect((await api(coordinator.url, '/api/join-tokens', { method: 'POST', body: { label: 'x', taskId: 'nope' } })).body).toMatchObject({ code: ErrorCodes.TASK_NOT_FOUND });
    expect((await api(coordinator.url, '/api/join-tokens', { method: 'POST', body: { label: '' } })).status).toBe(400);
  });
});

describe('issued join tokens beside a global join token', () => {
  let coordinator: TestCoordinator;

  beforeAll(async () => {
    coordinator = await startTestCoordinator({ joinToken: 'global-secret' });
  });
  afterAll(() => coordinator.close());

  it('admits the global token and any unrevoked issued token, and nothing else', async () => {
    const { token } = await issue(coordinator.url, { label: 'cohort A' });

    for (const joinToken of ['global-secret', token]) {
      const client = new RawClient(coordinator.url);
      expect((await client.hello({ joinToken })).clientId).toBeTruthy();
      client.close();
    }
    expect(await refusal(coordinator.url, { joinToken: 'wrong' })).toMatchObject({ code: ErrorCodes.JOIN_REFUSED });
    expect(await refusal(coordinator.url, {})).toMatchObject({ code: ErrorCodes.JOIN_REFUSED });
  });
});
