import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openPage, screenshot, signUp, waitForHydration } from './helpers.mjs';

// The fake name server's record API: what a domain's owner does at their DNS host.
const DNS_API = process.env.FAKE_DNS_API_URL ?? 'http://127.0.0.1:2554';
// The fake OpenID Connect provider the browser tests run beside the app.
const ISSUER = 'http://127.0.0.1:2591';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Upgrades the signed-in owner's team through Checkout (the fake Stripe's test mode). */
async function upgradeToEnterprise(page) {
  await page.goto(`${BASE_URL}/settings/billing`);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Upgrade to Enterprise' }).click();
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/settings\/billing\?upgraded=1/);
  for (let i = 0; i < 40; i++) {
    await page.reload();
    if ((await page.getByTestId('current-plan').textContent()) === 'enterprise') return;
    await page.waitForTimeout(250);
  }
  assert.fail('the plan never became enterprise');
}

test('an owner sets up single sign-on, proves a domain, and its people sign in through it', async () => {
  const owner = await signUp(browser, 'Sol Sso');
  const domain = `sso-${Date.now()}.test`;
  const { page } = owner;

  // Off the Enterprise plan the tab says what it is and where to get it.
  await page.goto(`${BASE_URL}/settings/sso`);
  await waitForHydration(page);
  await page.getByText('It comes with the Enterprise plan.').waitFor();
  await upgradeToEnterprise(page);

  await page.goto(`${BASE_URL}/settings`);
  await waitForHydration(page);
  await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Single sign-on' }).click();
  await page.waitForURL(`${BASE_URL}/settings/sso`);
  // An issuer that answers nothing is refused with the reason, and nothing is saved.
  await page.getByLabel('Client ID').fill('agent-factory-e2e');
  await page.getByLabel('Client secret').fill('e2e-oidc-secret');
  await page.getByLabel('Issuer URL').fill('http://127.0.0.1:9');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await page.getByText("The provider's discovery document could not be read").waitFor();
  await page.getByLabel('Issuer URL').fill(ISSUER);
  await page.getByLabel('Client secret').fill('e2e-oidc-secret');
  await page.getByRole('button', { name: 'Save provider' }).click();
  await page.getByRole('status').getByText("Saved: the provider's discovery document was read.").waitFor();
  assert.match(await page.getByTestId('sso-callback').inputValue(), /\/sso\/[0-9a-f-]{36}\/callback$/);

  // The domain waits for its TXT record, then proves with it.
  await page.getByLabel('Domain to add').fill(domain.toUpperCase());
  await page.getByRole('button', { name: 'Add domain' }).click();
  const row = page.locator(`[data-domain="${domain}"]`);
  await row.getByText('Waiting for its TXT record').waitFor();
  await row.getByRole('button', { name: 'Verify' }).click();
  await page.getByText(`No TXT record at _agent-factory.${domain}`).waitFor();
  const value = await row.getByTestId('record-value').inputValue();
  const published = await fetch(`${DNS_API}/records/_agent-factory.${domain}`, { method: 'PUT', body: value });
  assert.equal(published.status, 204);
  await row.getByRole('button', { name: 'Verify' }).click();
  await row.getByText(/^Verified /).waitFor();
  await screenshot(page, 'settings-sso');
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'settings-sso-375');
  await page.setViewportSize({ width: 1280, height: 800 });

  // Someone of the domain, without JavaScript: from the sign-in page to the team.
  const ina = await browser.newContext({ javaScriptEnabled: false });
  const signIn = await openPage(ina, '/signin');
  await signIn.getByRole('link', { name: 'Sign in with single sign-on' }).click();
  await signIn.waitForURL(`${BASE_URL}/sso`);
  await signIn.getByLabel('Work email').fill(`someone@elsewhere-${Date.now()}.test`);
  await signIn.getByRole('button', { name: 'Continue' }).click();
  await signIn.getByText("No team signs in with single sign-on for that email's domain.").waitFor();
  await screenshot(signIn, 'sso-sign-in-unknown-domain');
  await signIn.getByLabel('Work email').fill(`ina@${domain}`);
  await signIn.getByRole('button', { name: 'Continue' }).click();
  await signIn.getByRole('heading', { name: 'Fake OIDC' }).waitFor();
  await signIn.getByLabel('Email', { exact: true }).fill(`ina@${domain}`);
  await signIn.getByLabel('Name', { exact: true }).fill('Ina Sso');
  await signIn.getByRole('button', { name: 'Continue' }).click();
  await signIn.waitForURL(`${BASE_URL}/dashboard`);
  await signIn.getByTestId('user-menu').first().getByText("Sol Sso's team · member").waitFor();

  // Required: the domain's people may not use a password any more (others still may).
  await page.reload();
  await waitForHydration(page);
  await page.getByText(/Last sign-in through it:/).waitFor();
  await page.getByRole('button', { name: 'Require single sign-on' }).click();
  await page.getByText('Required: people of your proven domains sign in only through your provider').waitFor();
  const stranger = await browser.newContext({ javaScriptEnabled: false });
  const password = await openPage(stranger, '/signin');
  await password.getByLabel('Email').fill(`ina@${domain}`);
  await password.getByLabel('Password').fill('any password at all');
  await password.getByRole('button', { name: 'Sign in' }).click();
  await password.getByText("Sol Sso's team signs in through its own identity provider").waitFor();
  await password.setViewportSize({ width: 375, height: 800 });
  await screenshot(password, 'signin-sso-required-375');

  await stranger.close();
  await ina.close();
  await owner.context.close();
});
