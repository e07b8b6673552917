// Knowledge bases in the browser: create one, upload a document and watch it go from
// queued to ready without reloading, try a search, read the chunk a result points at,
// tick it in the agent builder's Knowledge section, then the agent answers with a cited
// source linking to that chunk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signedInContext, screenshot, waitForHydration } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const REFUNDS = `# Refunds

A refund is paid within 30 days of the return reaching our warehouse.

## Exceptions

Gift cards and opened software are not refundable.
`;

test('a document uploaded, indexed live, searched, and cited by an agent', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/knowledge`);
  const name = `help-${Date.now()}`;
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/knowledge\/[0-9a-f-]{36}$/);
  const base = page.url().split('/').pop();
  await page.getByRole('heading', { name }).waitFor();
  await page.getByText('No documents yet.').waitFor();

  // A file that is not a document is refused, saying why.
  await page.getByLabel('File').setInputFiles({ name: 'photo.md', mimeType: 'text/markdown', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) });
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByTestId('upload-refused').getByText(/not a document we can read/).waitFor();

  // The document is queued, then indexed in the background: its row turns ready on
  // its own.
  await page.getByLabel('File').setInputFiles({ name: 'refunds.md', mimeType: 'text/markdown', buffer: Buffer.from(REFUNDS) });
  await page.getByLabel('Tags (optional)').fill('policies');
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByTestId('upload-notice').getByText('refunds.md is queued to be indexed.').waitFor();
  await waitForHydration(page);
  const row = page.locator('[data-document="refunds.md"]');
  await page.locator('[data-document="refunds.md"][data-state="ready"]').waitFor({ timeout: 30_000 });
  assert.match(await row.textContent(), /Markdown · .* · \d+ chunks? ·/);
  assert.match(await row.textContent(), /Tags: policies/);

  // The playground shows what an agent would find, and why.
  await page.getByLabel('Question').fill('when is a refund paid');
  await page.getByRole('button', { name: 'Search' }).click();
  const results = page.getByTestId('search-results');
  await results.waitFor();
  const first = results.locator('li').first();
  assert.match(await first.textContent(), /\[1\] refunds\.md · chunk 1/);
  assert.match(await first.textContent(), /meaning #1/);
  await screenshot(page, 'knowledge-base');
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, 'knowledge-base-375');
  await page.setViewportSize({ width: 1280, height: 800 });

  // The result opens its chunk in the document.
  await first.getByRole('link').click();
  await page.waitForURL(/\/documents\/[0-9a-f-]{36}#chunk-/);
  await page.locator('li:target').getByText('A refund is paid within 30 days').waitFor();

  // The builder's Knowledge section: a name the team does not have shows as such and
  // is unticked; the knowledge base is ticked from the team's list.
  await page.goto(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByRole('tab', { name: 'YAML' }).click();
  await page.getByLabel('Spec (YAML or JSON)').fill(
    'name: Refund helper\ninstructions: Answer {{input.question}} from the knowledge base, citing it.\ninputs:\n  question:\n    type: string\n    required: true\nknowledge: [old-handbook]\n',
  );
  await page.getByRole('tab', { name: 'Form' }).click();
  const knowledge = page.locator('fieldset').filter({ has: page.locator('legend', { hasText: 'Knowledge' }) });
  const stale = knowledge.getByTestId('unknown-knowledge-base');
  await stale.getByText('The team has no knowledge base of this name').waitFor();
  await stale.getByRole('checkbox').click();
  await stale.waitFor({ state: 'detached' });
  await knowledge.getByRole('checkbox', { name: new RegExp(`^${name}`) }).check();
  await knowledge.getByLabel('When to search').selectOption('always');
  await knowledge.getByLabel('Passages per search (1–20)').fill('50');
  await knowledge.getByText('must be between 1 and 20').waitFor();
  await knowledge.getByLabel('Passages per search (1–20)').fill('');
  await knowledge.getByLabel('When to search').selectOption('tool');
  await knowledge.getByLabel('Ranked by').selectOption('keyword');
  await screenshot(page, 'builder-knowledge');
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = await page.getByLabel('Spec (YAML or JSON)').inputValue();
  assert.ok(yaml.includes(`\nknowledge:\n  bases: [${name}]\n  retrieval: keyword\n`), yaml);
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);

  // The agent answers through its search, and its answer's [1] links to the chunk.
  await waitForHydration(page);
  await page.getByLabel('question (required)').fill('When is a refund paid? [fake:tool=knowledge_search {"query": "refund paid"}]');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('answer').textContent(), /\[1\] \(refunds\.md\)/);
  const source = page.getByTestId('sources').getByRole('link', { name: 'refunds.md, passage 1' });
  await source.waitFor();
  assert.match(await source.getAttribute('href'), new RegExp(`^/knowledge/${base}/documents/[0-9a-f-]{36}#chunk-[0-9a-f-]{36}$`));
  await page.getByTestId('steps').getByText('Tool knowledge_search').waitFor();
  // The trace says what each passage was and why it ranked: by words alone, as the
  // spec asks.
  await page.getByTestId('steps').getByText(/\[1\] refunds\.md, passage 1 · score 0\.\d+ \(words #1\)/).waitFor();
  await screenshot(page, 'knowledge-cited-answer');
  await context.close();
});
