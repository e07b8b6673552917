import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signedInContext, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an owner adds a team key for a provider and sees it masked', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/settings/providers`);
  await waitForHydration(page);
  // Each provider's live status, asked once the page is live: the demo model answers
  // with its models.
  const demo = page.locator('[data-provider="demo"]').getByTestId('live-status');
  await demo.getByText(/Reachable · \d+ ms/).waitFor();
  await demo.getByText(/Offers: .*demo-fast/).waitFor();
  const card = page.locator('[data-provider="anthropic"]');
  await card.getByLabel('Anthropic API key').fill('sk-ant-e2e-test-9876');
  await card.getByRole('button', { name: 'Save key' }).click();
  await card.getByTestId('status').getByText('Team key ••••9876').waitFor();
  assert.equal(await page.getByText('sk-ant-e2e-test-9876').count(), 0, 'the key is never shown again');
  await screenshot(page, 'settings-providers');

  await card.getByRole('button', { name: 'Remove key' }).click();
  await card.getByTestId('status').getByText(/Not configured|Configured by the platform/).waitFor();

  // A named secret for custom tools: saved, listed masked, removed.
  await page.getByLabel('Secret name').fill('CRM_TOKEN');
  await page.getByLabel('Secret value').fill('crm-secret-e2e-4242');
  await page.getByRole('button', { name: 'Save secret' }).click();
  await page.getByTestId('secrets').getByText('••••4242').waitFor();
  await page.getByRole('button', { name: 'Remove CRM_TOKEN' }).click();
  await page.getByText('No secrets yet.').waitFor();

  // The team's routing order: every change saves at once; back to the platform's.
  const order = page.getByTestId('routing-order');
  await page.getByRole('button', { name: 'Add OpenAI' }).click();
  await order.locator('[data-provider="openai"]').waitFor();
  await page.getByText("Your team's order.").waitFor();
  await page.getByRole('button', { name: 'Move OpenAI up' }).click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="routing-order"] li')?.dataset.provider === 'openai');
  await page.getByRole('button', { name: "Use the platform's order" }).click();
  await page.getByText("The platform's order; change it for your team.").waitFor();
  assert.equal(await order.locator('[data-provider="openai"]').count(), 0);
  await context.close();
});

test('the providers page reads well on a phone without JavaScript', async () => {
  const context = await signedInContext(browser, { javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/settings/providers`);
  await page.getByRole('heading', { name: 'OpenAI' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling at 375 px');
  await screenshot(page, 'settings-providers-375');
  await context.close();
});
