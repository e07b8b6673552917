// Starts Debian's Chromium through playwright-core (no downloaded browser) and points
// it at the server cargo-leptos started for this run.
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

export const BASE_URL = `http://${process.env.LEPTOS_SITE_ADDR ?? '127.0.0.1:3000'}`;

export async function launch() {
  await waitForServer();
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const DEMO = { email: 'demo@agentfactory.dev', password: 'demo-password' };

/**
 * Opens one of the pages that ship no client (those without an island, such as the
 * landing, sign-in and sign-up pages: CLIENT_FREE_PAGES in app/src/routes.rs) in
 * `context`, a browser or a context.
 */
export async function openPage(context, path, options = {}) {
  const page = await context.newPage(options);
  await page.goto(BASE_URL + path);
  return page;
}

/** Opens a page (in `context`, a browser or a context) and waits until it hydrated. */
export async function openHydrated(context, path, options = {}) {
  const page = await context.newPage(options);
  await page.goto(BASE_URL + path);
  await waitForHydration(page);
  return page;
}

/**
 * Waits until the page's islands are interactive (the shell's last island marks the
 * page); a page without islands is ready as it loads.
 */
export async function waitForHydration(page) {
  await page.waitForFunction(
    () => document.documentElement.dataset.hydrated === 'true' || !document.querySelector('leptos-island'),
    null,
    { timeout: 30_000 },
  );
}

/**
 * A browser context signed in as the demo user, through the real sign-in form (a plain
 * form post: the sign-in page ships no client).
 */
export async function signedInContext(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/signin`);
  await page.getByLabel('Email').fill(DEMO.email);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);
  await page.close();
  return context;
}

/**
 * A new account through the sign-up form, signed in, in its own browser context, its
 * email verified through the link the app mailed (`verified: false` leaves it not).
 */
export async function signUp(browser, name, { verified = true } = {}) {
  const context = await browser.newContext();
  const page = await openPage(context, '/signup');
  const email = `${name.split(' ')[0].toLowerCase()}-${Date.now()}@example.com`;
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${BASE_URL}/dashboard`);
  if (verified) {
    await followVerificationLink(page, email);
    await page.goto(`${BASE_URL}/dashboard`);
  }
  // A full page load (the sign-up page ships no client): the dashboard hydrates anew.
  await waitForHydration(page);
  return { context, page, email };
}

export const VERIFY_SUBJECT = 'Confirm your email address for Agent Factory';

/** Opens the verification link mailed to `email` and confirms, as a person would. */
export async function followVerificationLink(page, email) {
  const mail = await mailTo(email, VERIFY_SUBJECT);
  await page.goto(mail.text.match(/https?:\/\/\S+\/verify-email\?token=[\w-]+/)[0]);
  await page.getByRole('button', { name: 'Confirm my email address' }).click();
  await page.getByText('Your email address is confirmed.').waitFor();
}

/** Where the app's mail lands in the browser tests: fake-smtp's inbox. */
export const MAIL_INBOX = process.env.FAKE_SMTP_WEB_URL ?? 'http://127.0.0.1:2580';

/** The first mail to `address` with this subject (waiting up to 30 s for it), as the
 * inbox's JSON API has it. */
export async function mailTo(address, subject) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const mails = await (await fetch(`${MAIL_INBOX}/mails?to=${encodeURIComponent(address)}`)).json();
    const mail = mails.find((m) => m.subject === subject);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail "${subject}" reached ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What an authenticator app shows for the key the profile page gives to type (RFC 6238:
 * HMAC-SHA1, six digits, 30-second steps), `stepsAhead` steps from now.
 */
export function authenticatorCode(typedKey, stepsAhead = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...typedKey.replace(/\s+/g, '').toUpperCase()]
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0'))
    .join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepsAhead));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** A new agent made from its YAML in the builder; returns its id. */
export async function newAgentFromYaml(page, yaml) {
  await page.goto(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByRole('tab', { name: 'YAML' }).click();
  await page.getByLabel('Spec (YAML or JSON)').fill(yaml);
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop();
}

export async function screenshot(page, name) {
  await page.screenshot({ path: new URL(`../screenshots/${name}.png`, import.meta.url).pathname, fullPage: true });
}

/** cargo-leptos starts the server and the tests together; wait until it answers. */
async function waitForServer() {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${BASE_URL}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${BASE_URL} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
