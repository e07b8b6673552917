import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DEMO, followVerificationLink, launch, mailTo, openPage, screenshot, signUp } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a visitor signs up from the landing page and lands in their own team', async () => {
  const context = await browser.newContext();
  const page = await openPage(context, '/');
  await page.getByRole('link', { name: 'Start building, free' }).click();
  await page.waitForURL(`${BASE_URL}/signup`);
  await page.getByLabel('Your name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(`grace-${Date.now()}@example.com`);
  await page.getByLabel(/^Password/).fill('compilers are fun');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);
  const menu = page.getByTestId('user-menu').first();
  await menu.getByText('Grace Hopper', { exact: true }).waitFor();
  await menu.getByText("Grace Hopper's team · owner").waitFor();
  await screenshot(page, 'dashboard-signed-in');
  await context.close();
});

test('the public pages ship no client: nothing but the page, its stylesheet and icon', async () => {
  for (const path of ['/', '/signin', '/signup']) {
    const page = await browser.newPage();
    const fetched = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    await page.goto(BASE_URL + path, { waitUntil: 'networkidle' });
    const client = fetched.filter((p) => /\.(wasm|js)$/.test(p));
    assert.deepEqual(client, [], `${path} fetched ${client.join(', ')}`);
    await page.close();
  }
});

test('a wrong password shows a clear error and keeps the visitor on the form', async () => {
  const page = await openPage(browser, '/signin');
  await page.getByLabel('Email').fill(DEMO.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('Email or password is incorrect.').waitFor();
  assert.equal(new URL(page.url()).pathname, '/signin');
  // The email is filled in again, never the password.
  assert.equal(await page.getByLabel('Email').inputValue(), DEMO.email);
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  // A later visit is a clean form.
  await page.goto(`${BASE_URL}/signin`);
  assert.equal(await page.getByText('Email or password is incorrect.').count(), 0);
  assert.equal(await page.getByLabel('Email').inputValue(), '');
  await page.close();
});

test('a field error appears next to its field', async () => {
  const page = await openPage(browser, '/signup');
  await page.getByLabel('Your name').fill('Short Password');
  await page.getByLabel('Email').fill('short@example.com');
  await page.getByLabel(/^Password/).fill('tiny-pass');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Use at least 10 characters.').waitFor();
  assert.equal(await page.getByLabel(/^Password/).getAttribute('aria-invalid'), 'true');
  await page.close();
});

test('a signed-out visitor is sent to sign in, and back where they were going', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/settings`);
  await page.waitForURL(`${BASE_URL}/signin?next=/settings`);
  await page.getByLabel('Email').fill(DEMO.email);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE_URL}/settings`);

  await page.getByTestId('user-menu').first().getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${BASE_URL}/`);
  await page.goto(`${BASE_URL}/dashboard`);
  await page.waitForURL(/\/signin\?next=\/dashboard$/);
  await context.close();
});

test('a forgotten password is reset from the link in the email', async () => {
  // A person of their own, so the demo account keeps its password.
  const email = `rosa-${Date.now()}@example.com`;
  const signup = await openPage(browser, '/signup');
  await signup.getByLabel('Your name').fill('Rosa Reset');
  await signup.getByLabel('Email').fill(email);
  await signup.getByLabel(/^Password/).fill('the old password');
  await signup.getByRole('button', { name: 'Create account' }).click();
  await signup.waitForURL(`${BASE_URL}/dashboard`);
  await signup.close();

  const context = await browser.newContext();
  const page = await openPage(context, '/signin');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(`${BASE_URL}/forgot-password`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByText('Check your email.').waitFor();
  await screenshot(page, 'forgot-password-sent');

  const mail = await mailTo(email, 'Reset your Agent Factory password');
  const link = mail.text.match(/https?:\/\/\S+\/reset-password\?token=[\w-]+/)[0];
  await page.goto(link);
  await page.getByLabel(/^New password/).fill('short');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.getByText('Use at least 10 characters.').waitFor();
  await page.getByLabel(/^New password/).fill('the new password');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.waitForURL(`${BASE_URL}/signin?reset=1`);
  await page.getByText('Your password was changed').waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('the new password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);

  // The link worked once.
  await page.goto(link);
  await page.getByText('This link has expired or was already used.').waitFor();
  await context.close();
});

test('a new account confirms its email from the link, and the banner can send it again', async () => {
  const { context, page, email } = await signUp(browser, 'Vic Verify', { verified: false });
  const banner = page.getByTestId('email-banner');
  await banner.getByText(`We sent a link to ${email}.`).waitFor();
  await screenshot(page, 'email-banner');
  await banner.getByRole('button', { name: 'Send it again' }).click();
  await page.waitForURL(`${BASE_URL}/verify-email?sent=1`);
  await page.getByText('A new link is on its way.').waitFor();
  await followVerificationLink(page, email);
  await page.getByRole('link', { name: 'Go to the dashboard' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  assert.equal(await page.getByTestId('email-banner').count(), 0);
  await context.close();
});

test('a person signs up and back in through an OpenID Connect provider, and a forged answer is refused', async () => {
  const context = await browser.newContext();
  const email = `oidc-${Date.now()}@example.com`;
  const page = await openPage(context, '/signin?next=/agents');
  await page.getByRole('link', { name: 'Continue with Fake OIDC' }).click();
  await page.getByRole('heading', { name: 'Fake OIDC' }).waitFor();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Name', { exact: true }).fill('Olive Oidc');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${BASE_URL}/agents`);
  await page.goto(`${BASE_URL}/settings/profile`);
  await page.getByTestId('identities').getByText('Fake OIDC').waitFor();
  // No password yet: the profile offers a link to set one instead of asking for it.
  await page.getByText('You sign in through a provider and have no password yet.').waitFor();
  await screenshot(page, 'profile-sign-in-methods');

  // The provider's token signed by a key it never published: not signed in.
  const stranger = await browser.newContext({ javaScriptEnabled: false });
  const signIn = await openPage(stranger, '/signin');
  await signIn.getByRole('link', { name: 'Continue with Fake OIDC' }).click();
  await signIn.getByLabel('Email', { exact: true }).fill(email);
  await signIn.getByLabel('Token fault (for tests)').selectOption('bad_signature');
  await signIn.getByRole('button', { name: 'Continue' }).click();
  await signIn.waitForURL(`${BASE_URL}/signin?sso=refused`);
  await signIn.getByText("The identity provider's answer did not check out").waitFor();
  await screenshot(signIn, 'signin-sso-refused');
  await signIn.setViewportSize({ width: 375, height: 800 });
  await screenshot(signIn, 'signin-sso-refused-375');
  await stranger.close();
  await context.close();
});
