import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signUp, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SPEC = `name: Pricing Scout
description: Compares a product's prices with its competitors'.
instructions: 'Compare prices for {{input.product}}'
inputs:
  product: {type: string, required: true}
`;

test('publish → browse → search → buy through Checkout → deploy → run → review', async () => {
  // The creator makes an agent and publishes it for $9.99.
  const creator = await signUp(browser, 'Cora Creator');
  const created = await creator.context.request.post(`${BASE_URL}/api/agents/create`, {
    headers: { origin: BASE_URL },
    form: { spec: SPEC },
  });
  assert.equal(created.status(), 200, await created.text());
  const agentId = await created.json();
  const page = creator.page;
  await page.goto(`${BASE_URL}/agents/${agentId}`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Publish to marketplace' }).click();
  await page.waitForURL(`${BASE_URL}/agents/${agentId}/publish`);
  await waitForHydration(page);
  await page.getByLabel('Title').fill(`Pricing Scout ${Date.now()}`);
  const title = await page.getByLabel('Title').inputValue();
  await page.getByLabel('Description (Markdown)').fill('## What it does\n\nFinds **competitor prices** and explains the gap.');
  await page.getByLabel('Category').selectOption('sales');
  await page.getByLabel('Tags').fill('pricing, competitors');
  // A price under Stripe's minimum is refused with a clear message.
  await page.getByLabel('Price (USD)').fill('0.2');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('alert').getByText('between $0.50 and $1,000').waitFor();
  await page.getByLabel('Price (USD)').fill('9.99');
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('status').getByText('Published as version 1').waitFor();
  await screenshot(page, 'marketplace-publish');

  // The buyer finds it by searching, in the sales category.
  const buyer = await signUp(browser, 'Bram Buyer');
  const shop = buyer.page;
  await shop.goto(`${BASE_URL}/marketplace`);
  await waitForHydration(shop);
  await shop.getByLabel('Search templates').fill('competitor prices');
  await shop.getByRole('button', { name: 'Search' }).click();
  await shop.waitForURL(/q=competitor/);
  await shop.getByRole('link', { name: title }).waitFor();
  await shop.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'sales' }).click();
  await shop.waitForURL(/category=sales/);
  const card = shop.getByTestId('templates').locator('li', { hasText: title });
  assert.equal(await card.getByTestId('price').textContent(), '$9.99');
  await screenshot(shop, 'marketplace-browse');
  await card.getByRole('link', { name: title }).click();
  await shop.getByTestId('template-price').waitFor();
  assert.equal(await shop.getByTestId('template-price').textContent(), '$9.99');
  await shop.getByRole('heading', { name: 'What it does' }).waitFor();
  assert.match(await shop.getByTestId('spec-preview').textContent(), /name: Pricing Scout/);
  assert.equal(await shop.getByText('Teams that deployed this template can review it.').count(), 1);
  await screenshot(shop, 'marketplace-template');

  // Buy: Stripe Checkout (the fake), pay, and back to a page that waits for Stripe's word.
  await shop.getByRole('button', { name: 'Buy for $9.99' }).click();
  await shop.getByTestId('checkout-amount').waitFor();
  assert.equal(await shop.getByTestId('checkout-amount').textContent(), '$9.99');
  await shop.getByRole('button', { name: 'Pay' }).click();
  await shop.waitForURL(/\/purchase\?session_id=cs_test_/);
  await waitForHydration(shop);
  await shop.getByText('Payment confirmed').waitFor({ timeout: 20_000 });
  await screenshot(shop, 'marketplace-purchased');

  // Deploy into the buyer's team and run it.
  await shop.getByRole('button', { name: 'Deploy to my team' }).click();
  await shop.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(shop);
  await shop.getByLabel('product').fill('espresso machines');
  await shop.getByRole('button', { name: 'Run', exact: true }).click();
  await shop.waitForURL(/\/runs\//);
  await shop.getByText('Succeeded').first().waitFor({ timeout: 30_000 });

  // Review it; the creator sees it on the template page and replies.
  await shop.goto(`${BASE_URL}/marketplace`);
  await waitForHydration(shop);
  await shop.getByRole('link', { name: title }).click();
  await shop.getByLabel('Your rating').selectOption('4');
  await shop.getByLabel('Review', { exact: true }).fill('Found three cheaper competitors in a minute.');
  await shop.getByRole('button', { name: 'Post review' }).click();
  await shop.getByTestId('reviews').getByText('Found three cheaper competitors').waitFor();
  await shop.getByText('★ 4.0 from 1 rating').waitFor();
  assert.equal(await shop.getByRole('button', { name: 'Buy for $9.99' }).count(), 0);

  const slugPath = new URL(shop.url()).pathname;
  await page.goto(`${BASE_URL}${slugPath}`);
  await waitForHydration(page);
  await page.getByLabel('Reply').fill('Thanks, Bram!');
  await page.getByRole('button', { name: 'Reply' }).click();
  await page.getByText("Creator's reply: Thanks, Bram!").waitFor();
  await screenshot(page, 'marketplace-reviews');

  // The creator's earnings: 70 % of $9.99.
  await page.goto(`${BASE_URL}/settings/earnings`);
  await waitForHydration(page);
  assert.equal(await page.getByTestId('pending-payout').textContent(), '$6.99');
  await page.getByTestId('earnings-sales').getByText(title).waitFor();
  await screenshot(page, 'marketplace-earnings');

  // Readable on a phone.
  const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, storageState: await buyer.context.storageState() });
  const small = await phone.newPage();
  await small.goto(`${BASE_URL}/marketplace`);
  await waitForHydration(small);
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
  await screenshot(small, 'marketplace-375');
  await phone.close();
  await creator.context.close();
  await buyer.context.close();
});

test('an owner upgrades to Pro through Checkout and the plan changes', async () => {
  const { context, page } = await signUp(browser, 'Uma Upgrade');
  await page.goto(`${BASE_URL}/settings/billing`);
  await waitForHydration(page);
  assert.equal(await page.getByTestId('current-plan').textContent(), 'free');
  await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
  await page.getByTestId('checkout-amount').waitFor();
  assert.equal(await page.getByTestId('checkout-amount').textContent(), '$49.00 / month');
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/settings\/billing\?upgraded=1/);
  await page.getByText('Your new plan applies as soon as Stripe confirms').waitFor();
  // Stripe's subscription event arrives in the background; the page shows it on reload.
  for (let i = 0; i < 40; i++) {
    await page.reload();
    if ((await page.getByTestId('current-plan').textContent()) === 'pro') break;
    await page.waitForTimeout(250);
  }
  assert.equal(await page.getByTestId('current-plan').textContent(), 'pro');
  await screenshot(page, 'billing');
  await context.close();
});
