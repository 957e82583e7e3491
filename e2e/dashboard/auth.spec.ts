// Operator access: without the token, or with a wrong one, the dashboard and the API refuse with a
// clear, coded message; with the printed #token=… URL the dashboard works and strips the token.

import { expect, test } from './fixtures.ts';

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

  test('the printed URL opens the dashboard and the token leaves the address bar', async ({ dashboard, coordinator, page }) => {
    await dashboard.open(coordinator.token);

    await dashboard.expectLive();
    await expect(dashboard.id('dashboard.tasks')).toBeVisible();
    expect(page.url()).toBe(`${coordinator.url}/dashboard`);
    expect(await page.evaluate(() => localStorage.getItem('flotilla.operatorToken'))).toBe(coordinator.token);

    // A token typed by hand after a refusal works as well.
    await dashboard.id('dashboard.auth.signout').click();
    await dashboard.id('dashboard.auth.token').fill(coordinator.token);
    await dashboard.id('dashboard.auth.submit').click();
    await dashboard.expectLive();
  });
});
