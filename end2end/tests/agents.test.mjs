import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signedInContext, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const spec = (tools, extra = '') =>
  `name: E2E agent ${Date.now()}\ninstructions: 'Answer {{input.question}} ${extra}'\ntools: [${tools}]\ninputs:\n  question: {type: string, required: true}\n`;

async function newAgent(page, text) {
  await page.goto(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByLabel('Spec').fill(text);
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
}

test('write a spec with live errors, save it, run it and watch the answer stream in', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/agents`);
  await waitForHydration(page);
  await page.getByTestId('agents').getByText('Idea Validator').waitFor();
  await page.getByRole('link', { name: 'New agent' }).click();
  await page.waitForURL(`${BASE_URL}/agents/new`);
  await waitForHydration(page);

  // A typo shows at once, with its line, and blocks saving; fixing it clears it.
  await page.getByLabel('Spec').fill(spec('teleport'));
  await page.getByTestId('spec-problems').getByText(/line 3.*unknown tool `teleport`/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save agent' }).isDisabled(), true);
  await page.getByLabel('Spec').fill(spec('calculator', '[fake:slow=1500]'));
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);

  await page.getByLabel('question (required)').fill('What is streaming?');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  // Part of the answer is on the page while the run is still going.
  await page.waitForFunction(() => {
    const status = document.querySelector('[data-testid="run-status"]')?.textContent;
    const answer = document.querySelector('[data-testid="answer"]')?.textContent ?? '';
    return status === 'running' && answer.length > 0 && !answer.includes('What is streaming?');
  }, null, { timeout: 10_000 });
  await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 15_000 });
  const answer = await page.getByTestId('answer').textContent();
  assert.match(answer, /You asked: question: What is streaming\?/);
  await page.getByTestId('steps').getByText('Model call').waitFor();
  const steps = await page.getByTestId('steps').locator('li').count();
  await screenshot(page, 'run-console');

  // The permalink shows the same run afterwards.
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.getByTestId('answer').textContent(), answer);
  assert.equal(await page.getByTestId('steps').locator('li').count(), steps);
  assert.equal(await page.getByTestId('run-status').textContent(), 'succeeded');
  await context.close();
});

test('a slow run is cancelled from its page', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await newAgent(page, spec('calculator', '[fake:slow=20000]'));
  await page.getByLabel('question (required)').fill('Take your time');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForURL(/\/runs\//);
  await waitForHydration(page);
  await page.getByTestId('run-status').getByText('running').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('run-status').getByText('cancelled').waitFor({ timeout: 10_000 });
  await page.getByTestId('failure').getByText(/cancelled/).waitFor();
  await context.close();
});

test('edit a spec into a new version, compare two versions and restore the first', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const first = spec('calculator');
  await newAgent(page, first);
  await page.getByRole('link', { name: 'Edit spec' }).click();
  await page.waitForURL(/\/edit$/);
  await waitForHydration(page);
  await page.getByLabel('Spec').fill(first.replace('[calculator]', '[calculator, current_time]'));
  await page.getByText('The spec is valid.').waitFor();
  // Ctrl+S saves, like in an editor.
  await page.getByLabel('Spec').press('Control+s');
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.getByTestId('versions').getByText(/^v2 · Demo User/).waitFor();

  await page.getByRole('link', { name: 'Compare v1 with v2' }).click();
  await page.waitForURL(/\/compare\?old=1&new=2$/);
  await page.getByTestId('diff').getByText('- tools: [calculator]').waitFor();
  await page.getByTestId('diff').getByText('+ tools: [calculator, current_time]').waitFor();
  await screenshot(page, 'compare-versions');

  await page.getByRole('link', { name: 'Back to the agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Restore v1' }).click();
  await page.getByTestId('versions').getByText(/^v3 · Demo User/).waitFor();
  await page.getByText('Spec', { exact: true }).click();
  assert.match(await page.locator('details pre').textContent(), /tools: \[calculator\]\n/);
  await context.close();
});

test('the Idea Validator runs as a graph and its kill criteria judge the verdict', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/agents`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Idea Validator' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.getByLabel('idea (required)').fill('Neighbours rent each other power tools');
  await page.getByLabel('idea (required)').press('Control+Enter');
  await page.waitForURL(/\/runs\//);
  await waitForHydration(page);
  const graph = page.getByTestId('workflow-graph');
  await graph.waitFor();
  assert.equal(await graph.locator('g[data-node]').count(), 8);
  await page.getByTestId('run-status').getByText('failed').waitFor({ timeout: 30_000 });
  await page.getByTestId('failure').getByText('Kill: novelty must exceed 60').waitFor();
  assert.equal(await graph.locator('g[data-node="market"]').getAttribute('data-state'), 'done');
  assert.equal(await graph.locator('g[data-node="synthesis"]').getAttribute('data-state'), 'failed');
  assert.equal(await graph.locator('g[data-node="decline"]').getAttribute('data-state'), 'waiting');
  await screenshot(page, 'workflow-run');
  await context.close();
});

test('the agent pages read well on a phone, also without JavaScript', async () => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await signedInContext(browser, { javaScriptEnabled, viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${BASE_URL}/agents`);
    await page.getByRole('link', { name: 'Idea Validator' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    const agentUrl = page.url();
    for (const url of [`${BASE_URL}/agents`, `${BASE_URL}/agents/new`, agentUrl, `${agentUrl}/edit`]) {
      await page.goto(url);
      await page.getByRole('heading', { level: 1 }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, `no horizontal scrolling at 375 px on ${url} (JS ${javaScriptEnabled})`);
    }
    if (!javaScriptEnabled) await screenshot(page, 'agent-edit-375-nojs');
    await context.close();
  }
});
