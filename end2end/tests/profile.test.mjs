import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, authenticatorCode, launch, mailTo, openPage, screenshot, signUp, waitForHydration } from './helpers.mjs';

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

test('a person turns on two-factor and then signs in with a code, with JavaScript off too', async () => {
  const { context, page, email } = await signUp(browser, 'Tara Twofactor');
  await page.goto(`${BASE_URL}/settings/profile`);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Set up two-factor' }).click();
  const key = await page.getByTestId('totp-secret').textContent();
  await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  await screenshot(page, 'profile-two-factor-setup');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.locator('#two-factor').screenshot({ path: new URL('../screenshots/profile-two-factor-setup-375.png', import.meta.url).pathname });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByLabel('Code from the app').fill('000000' === authenticatorCode(key) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Turn on two-factor' }).click();
  await page.getByText('That code is not right.').waitFor();
  await page.getByLabel('Code from the app').fill(authenticatorCode(key));
  await page.getByRole('button', { name: 'Turn on two-factor' }).click();
  const codes = page.getByTestId('recovery-codes').getByRole('listitem');
  await codes.first().waitFor();
  assert.equal(await codes.count(), 10);
  await screenshot(page, 'profile-two-factor-codes');
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByText('10 recovery codes left.').waitFor();

  // A browser without JavaScript: the password, then the code, as plain form posts.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const signIn = await openPage(plain, '/signin');
  await signIn.getByLabel('Email').fill(email);
  await signIn.getByLabel('Password').fill('a long enough password');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.waitForURL(/\/signin\/two-factor\?next=/);
  await signIn.getByLabel('Code').fill('12345');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.getByText('That code is not right.').waitFor();
  await screenshot(signIn, 'signin-two-factor');
  await signIn.setViewportSize({ width: 375, height: 800 });
  await screenshot(signIn, 'signin-two-factor-375');
  await signIn.getByLabel('Code').fill(authenticatorCode(key, 1));
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.waitForURL(`${BASE_URL}/dashboard`);
  await plain.close();
  await context.close();
});

test('a person moves their account to a new address through the link mailed to it', async () => {
  const { context, page, email } = await signUp(browser, 'Eli Email');
  const moved = `moved-${email}`;
  await page.goto(`${BASE_URL}/settings/profile`);
  await waitForHydration(page);
  await page.getByLabel('New email address').fill(moved);
  await page.locator('#email-current-password').fill('not my password');
  await page.getByRole('button', { name: 'Change email' }).click();
  await page.getByText('That is not your current password.').waitFor();
  await page.locator('#email-current-password').fill('a long enough password');
  await page.getByRole('button', { name: 'Change email' }).click();
  await page.getByText(`We sent a link to ${moved}.`).waitFor();
  await mailTo(email, 'Your Agent Factory email address is being changed');

  const mail = await mailTo(moved, 'Confirm your new email address for Agent Factory');
  await page.goto(mail.text.match(/https?:\/\/\S+\/change-email\?token=[\w-]+/)[0]);
  await page.getByRole('button', { name: 'Use this address' }).click();
  await page.getByText('Done: sign in with your new address from now on.').waitFor();
  await page.goto(`${BASE_URL}/settings/profile`);
  await page.getByText(`You sign in with ${moved}.`).waitFor();
  await context.close();
});
