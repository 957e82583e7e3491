// Operator access: without the token, or with a wrong one, the dashboard and the API refuse with a
// clear, coded message; with the printed #token=… URL the dashboard works, strips the token and
// keeps nothing a script can read (an HttpOnly session cookie instead). Join tokens are issued and
// revoked from the dashboard.

import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@flotilla/protocol';
import { expect, isolatedTest, test } from './fixtures.ts';

test.describe('operator token', () => {
  test('the API refuses a missing or wrong token with 401 and FLT_UNAUTHORIZED', async ({ request, coordinator }) => {
    const none = await request.get(`${coordinator.url}/api/tasks`);
    expect(none.status()).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'FLT_UNAUTHORIZED', message: expect.stringContaining('operator token') });

    const wrong = await request.get(`${coordinator.url}/api/events?access_token=nope`);
    expect(wrong.status()).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'FLT_UNAUTHORIZED', message: 'the operator token is wrong' });

    const right = await request.get(`${coordinator.url}/api/tasks`, { headers: { authorization: `Bearer ${coordinator.token}` } });
    expect(right.status()).toBe(200);
  });

  test('the dashboard without a token says it needs one', async ({ dashboard }) => {
    await dashboard.open();

    await expect(dashboard.authError).toHaveText('This dashboard needs the operator token.');
    await expect(dashboard.id('dashboard.tasks')).toHaveCount(0);
  });

  test('the dashboard with a wrong token is refused with the code', async ({ dashboard }) => {
    await dashboard.open('not-the-token');

    await expect(dashboard.authError).toHaveText('Refused (FLT_UNAUTHORIZED): the operator token is wrong.');
    await expect(dashboard.id('dashboard.tasks')).toHaveCount(0);
  });

  test('the printed URL opens the dashboard, the token leaves the address bar and no script can read a credential', async ({ dashboard, coordinator, page }) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await dashboard.open(coordinator.token);

    await dashboard.expectLive();
    await expect(dashboard.id('dashboard.tasks')).toBeVisible();
    expect(page.url()).toBe(`${coordinator.url}/dashboard`);
    const readable = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
    expect(readable).toBe(JSON.stringify({ local: {}, session: {}, cookie: '' }));
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([['flotilla_session', true, 'Strict', '/api']]);
    expect(cookies[0]!.value).not.toContain(coordinator.token);
    // The event stream rides the cookie: no request carries the token in its URL.
    expect(urls.some((u) => u.includes('/api/events'))).toBe(true);
    expect(urls.filter((u) => u.includes('access_token') || u.includes(coordinator.token))).toEqual([]);

    // The session survives a reload without the fragment; signing out ends it.
    await page.reload();
    await dashboard.expectLive();
    await dashboard.id('dashboard.auth.signout').click();
    await expect(dashboard.authError).toHaveText('This dashboard needs the operator token.');
    await page.reload();
    await expect(dashboard.authError).toHaveText('This dashboard needs the operator token.');

    // A token typed by hand works as well.
    await dashboard.id('dashboard.auth.token').fill(coordinator.token);
    await dashboard.id('dashboard.auth.submit').click();
    await dashboard.expectLive();
  });
});

isolatedTest('a join token issued on the dashboard admits a client, and revoking it disconnects the client', async ({ dashboard, coordinator }) => {
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();

  await dashboard.id('dashboard.joinTokens.label').fill('lab tablets');
  await dashboard.id('dashboard.joinTokens.create').click();
  const token = (await dashboard.id('dashboard.joinTokens.token').textContent())!;
  await expect(dashboard.id('dashboard.joinTokens.joinUrl')).toHaveText(`${coordinator.url}/?joinToken=${encodeURIComponent(token)}`);
  await expect(dashboard.id('dashboard.joinTokens.fleetFlag')).toHaveText(`--join-token=${token}`);

  const socket = new WebSocket(`${coordinator.url.replace(/^http/, 'ws')}/ws`);
  const messages: { type: string; code?: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as { type: string; code?: string }));
  const closed = new Promise<number>((resolve) => socket.once('close', resolve));
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, kind: 'node', device: { backend: 'test' }, capabilities: { codecs: ['float32'] }, joinToken: token }));
  await expect.poll(() => messages.map((m) => m.type)).toContain('welcome');
  const row = dashboard.page.locator('[data-testid="dashboard.joinTokens.row"]', { hasText: 'lab tablets' });
  await expect(row.getByTestId('dashboard.joinTokens.connected')).toHaveText('1');

  await row.getByTestId('dashboard.joinTokens.revoke').click();

  expect(await closed).toBe(1008);
  expect(messages.at(-1)).toMatchObject({ type: 'error', code: 'FLT_JOIN_REVOKED' });
  await expect(row.getByTestId('dashboard.joinTokens.state')).toHaveText('revoked');
});
