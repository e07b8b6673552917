import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signUp, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const figure = (page, label) => page.locator(`[data-figure="${label}"] [data-value]`);

test('a new team sees the empty state, then its own runs on the dashboard, live and by range', async () => {
  const { context, page } = await signUp(browser, 'Dana Dashboard');
  await waitForHydration(page);
  await page.getByText('No runs yet').waitFor();
  await screenshot(page, 'dashboard-empty');

  // Runs made through the API with a key of this team: three answered, one refused by the model.
  const created = await context.request.post(`${BASE_URL}/api/api_keys/create`, {
    headers: { origin: BASE_URL },
    form: { name: 'dashboard test', read: 'on', run: 'on', admin: 'on' },
  });
  assert.equal(created.status(), 200);
  const key = (await created.json()).key;
  // The API is called as an outside program would: the key, no session cookie.
  const outside = await browser.newContext();
  const api = async (method, path, data) => {
    const response = await outside.request.fetch(`${BASE_URL}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}` },
      data,
    });
    assert.ok(response.ok(), `${path}: ${response.status()} ${await response.text()}`);
    return response.json();
  };
  const agent = await api('POST', '/v1/agents', {
    spec: { name: 'Chart Maker', instructions: 'Answer {{input.q}}', inputs: { q: { type: 'string', required: true } } },
  });
  const runs = `/v1/agents/${agent.id}/runs?wait=true`;
  for (const q of ['one', 'two', 'three', '[fake:status=400] four']) {
    await api('POST', runs, { input: { q } });
  }

  await page.reload();
  await waitForHydration(page);
  await page.getByTestId('dashboard').waitFor();
  assert.equal(await figure(page, 'Runs').textContent(), '4');
  assert.equal(await figure(page, 'Success rate').textContent(), '75 %');
  assert.match(await page.locator('[data-figure="Runs"]').textContent(), /new vs the 30 days before/);
  await page.locator('[data-reason]').first().waitFor();
  assert.equal(await page.locator('[data-reason]').first().getAttribute('data-runs'), '1');
  await page.locator('[data-agent="Chart Maker"]').waitFor();
  await page.getByTestId('recent-failures').getByText('Chart Maker').waitFor();
  assert.match(await page.getByTestId('quota').textContent(), /4 of 100/);

  // The runs chart: bars drawn, and today's tooltip on hover.
  const chart = page.locator('[data-chart="runs-per-day"]');
  assert.ok((await chart.locator('svg rect').count()) >= 1);
  await chart.locator('[aria-hidden="true"] > div').last().hover();
  await chart.getByText(/ · 4$/).waitFor();
  await screenshot(page, 'dashboard');

  // Live: a run that ends while the page is open shows up within the refresh period.
  await api('POST', runs, { input: { q: 'five' } });
  await page.locator('[data-figure="Runs"] [data-value]', { hasText: /^5$/ }).waitFor({ timeout: 45_000 });

  // Ranges: a preset link, then custom days through the form (client-side navigation).
  await page.getByRole('link', { name: '7 days' }).click();
  await page.waitForURL(/range=7/);
  await page.locator('[data-testid="dashboard"][data-from]').waitFor();
  const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
  await page.waitForFunction((from) => document.querySelector('[data-testid="dashboard"]')?.dataset.from === from, day(6));
  assert.equal(await page.getByRole('link', { name: '7 days' }).getAttribute('aria-current'), 'page');
  await page.getByLabel('From', { exact: true }).fill(day(40));
  await page.getByLabel('To', { exact: true }).fill(day(35));
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/range=custom/);
  await page.waitForFunction((from) => document.querySelector('[data-testid="dashboard"]')?.dataset.from === from, day(40));
  assert.equal(await figure(page, 'Runs').textContent(), '0');
  await page.getByText('No runs in this range.').waitFor();

  // Readable on a phone: nothing wider than the screen.
  const phoneContext = await browser.newContext({ viewport: { width: 375, height: 800 }, storageState: await context.storageState() });
  const phone = await phoneContext.newPage();
  await phone.goto(`${BASE_URL}/dashboard?range=30`);
  await waitForHydration(phone);
  await phone.getByTestId('dashboard').waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await screenshot(phone, 'dashboard-375');
  await phoneContext.close();
  await outside.close();
  await context.close();
});
