// The dashboard's session: the operator token is traded once for an HttpOnly cookie holding an
// opaque id; the cookie authenticates reads, needs the CSRF header for changes, expires on the
// server, and signing out ends it.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { createTask, smallTask, startTestCoordinator, TEST_OPERATOR_TOKEN, type TestCoordinator } from '../testing/harness.ts';
import { SqliteStore } from '../store/SqliteStore.ts';
import { OperatorSessions, SESSION_COOKIE, readCookie } from './OperatorSessions.ts';

describe('dashboard session', () => {
  let coordinator: TestCoordinator;
  let taskId: string;

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    taskId = await createTask(coordinator.url, smallTask(), false);
  });
  afterAll(() => coordinator.close());

  const signIn = async (token: string) => fetch(`${coordinator.url}/api/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }),
  });
  const cookieOf = (response: Response): string => {
    const id = readCookie(response.headers.get('set-cookie')!.split(';')[0], SESSION_COOKIE);
    return `${SESSION_COOKIE}=${id}`;
  };

  it('trades the operator token for an HttpOnly, SameSite=Strict cookie on /api that holds no token', async () => {
    const response = await signIn(TEST_OPERATOR_TOKEN);

    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; `));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/api');
    expect(setCookie).not.toContain('Secure');
    expect(setCookie).not.toContain(TEST_OPERATOR_TOKEN);
  });

  it('refuses a wrong token with 401 and sets no cookie', async () => {
    const response = await signIn('not-the-token');

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: ErrorCodes.UNAUTHORIZED });
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('lets the cookie read the API and the event stream, without ?access_token=', async () => {
    const cookie = cookieOf(await signIn(TEST_OPERATOR_TOKEN));

    const tasks = await fetch(`${coordinator.url}/api/tasks`, { headers: { cookie } });
    const abort = new AbortController();
    const stream = await fetch(`${coordinator.url}/api/events?ephemeral=false`, { headers: { cookie }, signal: abort.signal });
    abort.abort();

    expect(tasks.status).toBe(200);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
  });

  it('refuses a change by cookie without the CSRF header, and accepts it with the header', async () => {
    const cookie = cookieOf(await signIn(TEST_OPERATOR_TOKEN));

    const forged = await fetch(`${coordinator.url}/api/tasks/${taskId}/start`, { method: 'POST', headers: { cookie } });
    const afterForged = await fetch(`${coordinator.url}/api/tasks/${taskId}`, { headers: { cookie } });
    const real = await fetch(`${coordinator.url}/api/tasks/${taskId}/start`, { method: 'POST', headers: { cookie, 'x-flotilla-csrf': '1' } });

    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ code: ErrorCodes.CSRF_REFUSED });
    expect(await afterForged.json()).toMatchObject({ state: 'created' });
    expect(real.status).toBe(200);
    expect(await real.json()).toMatchObject({ state: 'running' });
    await fetch(`${coordinator.url}/api/tasks/${taskId}/stop`, { method: 'POST', headers: { cookie, 'x-flotilla-csrf': '1' } });
  });

  it('ends the session on sign-out: the cookie is cleared and no longer works', async () => {
    const cookie = cookieOf(await signIn(TEST_OPERATOR_TOKEN));

    const out = await fetch(`${coordinator.url}/api/session`, { method: 'DELETE', headers: { cookie } });
    const after = await fetch(`${coordinator.url}/api/tasks`, { headers: { cookie } });

    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: ErrorCodes.UNAUTHORIZED, message: expect.stringContaining('session') });
  });

  it('keeps the session across a coordinator restart on the same data directory', async () => {
    const cookie = cookieOf(await signIn(TEST_OPERATOR_TOKEN));
    await coordinator.close();
    coordinator = await startTestCoordinator({ dataDir: coordinator.dataDir });

    const response = await fetch(`${coordinator.url}/api/tasks`, { headers: { cookie } });

    expect(response.status).toBe(200);
  });

  it('ends every session when the coordinator restarts with another operator token (a leaked token is replaced)', async () => {
    const cookie = cookieOf(await signIn(TEST_OPERATOR_TOKEN));
    await coordinator.close();
    coordinator = await startTestCoordinator({ dataDir: coordinator.dataDir, operatorToken: 'a-new-operator-token-after-a-leak' });

    const response = await fetch(`${coordinator.url}/api/tasks`, { headers: { cookie } });

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: ErrorCodes.UNAUTHORIZED, message: expect.stringContaining('session') });
    await coordinator.close();
    coordinator = await startTestCoordinator({ dataDir: coordinator.dataDir });
  });

  it('refuses an invented session id', async () => {
    const response = await fetch(`${coordinator.url}/api/tasks`, { headers: { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` } });
    expect(response.status).toBe(401);
  });
});

describe('OperatorSessions', () => {
  const store = () => new SqliteStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-sessions-')), 'flotilla.db'));

  it('expires a session on the server after its time to live', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const sessions = new OperatorSessions(store(), { signingKey: 'k', ttlMs: 60_000 });
      const { id, expiresAt } = sessions.create();

      expect(expiresAt).toBe(1_060_000);
      expect(sessions.valid(id)).toBe(true);
      vi.advanceTimersByTime(59_999);
      expect(sessions.valid(id)).toBe(true);
      vi.advanceTimersByTime(1);
      expect(sessions.valid(id)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a bounded number of sessions, dropping the oldest', () => {
    const sessions = new OperatorSessions(store(), { signingKey: 'k' });
    const first = sessions.create().id;
    const later = Array.from({ length: 1000 }, () => sessions.create().id);

    expect(sessions.valid(first)).toBe(false);
    expect(later.every((id) => sessions.valid(id))).toBe(true);
  });
});
