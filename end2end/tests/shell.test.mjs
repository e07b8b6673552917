import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, openHydrated, openPage, screenshot, signedInContext } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the landing page preview switches without a client, JavaScript on or off', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await openPage(context, '/');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'AI agents from a spec, run on any model, for less.');
    assert.equal(await page.getByTestId('trace-preview').isVisible(), false);
    // The radio buttons are visually hidden; their labels are what a visitor clicks.
    await page.locator('label', { hasText: 'Run trace' }).click();
    await page.getByTestId('trace-preview').waitFor();
    assert.equal(await page.getByRole('radio', { name: 'Run trace' }).isChecked(), true);
    assert.equal(await page.getByText('max_cost_per_run_usd').isVisible(), false);
    if (javaScriptEnabled) await screenshot(page, 'landing-desktop');
    await context.close();
  }
});

test('a link loads the next page server-rendered, current in the menu, with no client where it has no island', async () => {
  const context = await signedInContext(browser);
  const page = await openHydrated(context, '/dashboard');
  const fetched = [];
  page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).click();
  await page.waitForURL(`${BASE_URL}/agents`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Agents');
  assert.equal(await page.getByRole('link', { name: 'Agents' }).first().getAttribute('aria-current'), 'page');
  assert.match(await page.title(), /^Agents · Agent Factory$/);
  // The agents list is all server-rendered HTML: no island, so no client code.
  const client = fetched.filter((p) => /\.(wasm|js)$/.test(p));
  assert.deepEqual(client, [], `/agents fetched ${client.join(', ')}`);
  await context.close();
});

test('an unknown address answers 404 with a helpful page', async () => {
  const page = await browser.newPage();
  const response = await page.goto(`${BASE_URL}/no/such/page`);
  assert.equal(response.status(), 404);
  await page.getByText('We could not find that page').waitFor();
  await page.getByRole('link', { name: 'Go to the home page' }).waitFor();
  await page.close();
});

test('pages render with JavaScript disabled', async () => {
  const context = await signedInContext(browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  for (const [path, heading] of [['/', 'AI agents from a spec, run on any model, for less.'], ['/dashboard', 'Dashboard'], ['/settings', 'Settings']]) {
    const response = await page.goto(BASE_URL + path);
    assert.equal(response.status(), 200, path);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), heading);
  }
  // The stylesheet is served, so the server-rendered page is styled too.
  const css = await page.request.get(`${BASE_URL}/pkg/agent-factory.css`);
  assert.equal(css.status(), 200);
  // The client's files are asked for again on each visit (a page's islands must meet
  // the code of the same release); unchanged, they come back as 304 Not Modified.
  assert.equal(css.headers()['cache-control'], 'no-cache');
  const again = await page.request.get(`${BASE_URL}/pkg/agent-factory.css`, {
    headers: { 'if-modified-since': css.headers()['last-modified'] },
  });
  assert.equal(again.status(), 304);
  await context.close();
});

test('at 375 px the menu button opens the navigation, with or without JavaScript', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await signedInContext(browser, { viewport: { width: 375, height: 812 }, javaScriptEnabled });
    const page = await context.newPage();
    await page.goto(`${BASE_URL}/dashboard`);
    const menu = page.getByRole('banner').getByRole('navigation', { name: 'Main' });
    assert.equal(await menu.isVisible(), false);
    await page.getByText('Menu', { exact: true }).click();
    await menu.getByRole('link', { name: 'Marketplace' }).waitFor();
    // Nothing sticks out sideways at phone width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    await screenshot(page, `dashboard-375-js-${javaScriptEnabled}`);
    await context.close();
  }
});
