import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, launch, openPage, screenshot, signUp, waitForHydration } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a person renames themselves, downloads their data and deletes their account', async () => {
  const context = await browser.newContext();
  const email = `pia-${Date.now()}@example.com`;
  const page = await openPage(context, '/signup');
  await page.getByLabel('Your name').fill('Pia Profile');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);

  await page.goto(`${BASE_URL}/settings/profile`);
  await page.waitForSelector('html[data-hydrated="true"]');
  await page.getByLabel('Your name').fill('Pia Renamed');
  await page.getByRole('button', { name: 'Save name' }).click();
  await page.getByRole('status').getByText('Saved.').waitFor();
  // The menu follows the new name without a reload.
  await page.getByTestId('user-menu').first().getByText('Pia Renamed', { exact: true }).waitFor();
  await screenshot(page, 'settings-profile');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'agent-factory-data.json');
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.profile.display_name, 'Pia Renamed');
  assert.equal(exported.profile.email, email);

  await page.getByLabel('Type your email address to confirm').fill('not my email');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByText(`Type ${email} exactly to confirm.`).waitFor();
  await page.getByLabel('Type your email address to confirm').fill(email);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.waitForURL(`${BASE_URL}/`);
  await page.goto(`${BASE_URL}/dashboard`);
  await page.waitForURL(/\/signin\?next=\/dashboard$/);

  // The address can be used for a new account.
  await page.goto(`${BASE_URL}/signup`);
  await page.getByLabel('Your name').fill('Pia Again');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);
  await context.close();
});

test('a person signs another browser out from the list of active sessions', async () => {
  const first = await signUp(browser, 'Sol Sessions');
  const phone = await browser.newContext({ userAgent: 'Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0' });
  const other = await openPage(phone, '/signin');
  await other.getByLabel('Email').fill(first.email);
  await other.getByLabel('Password').fill('a long enough password');
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.waitForURL(`${BASE_URL}/dashboard`);

  await first.page.goto(`${BASE_URL}/settings/profile`);
  await waitForHydration(first.page);
  const sessions = first.page.getByTestId('sessions');
  await sessions.getByText('This browser').waitFor();
  await sessions.getByText('Firefox on Android').waitFor();
  await screenshot(first.page, 'profile-sessions');
  await sessions.getByRole('button', { name: 'Sign out Firefox on Android' }).click();
  await sessions.getByText('Firefox on Android').waitFor({ state: 'detached' });
  await other.goto(`${BASE_URL}/dashboard`);
  await other.waitForURL(/\/signin/);
  await phone.close();
  await first.context.close();
});
