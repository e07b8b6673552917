import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signedInContext, signUp, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const spec = (tools, extra = '') =>
  `name: E2E agent ${Date.now()}\ninstructions: 'Answer {{input.question}} ${extra}'\ntools: [${tools}]\ninputs:\n  question: {type: string, required: true}\n`;

const yamlBox = (page) => page.getByLabel('Spec (YAML or JSON)');

async function newAgent(page, text) {
  await page.goto(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByRole('tab', { name: 'YAML' }).click();
  await yamlBox(page).fill(text);
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
}

test('build an agent in the visual editor with live errors, edit its YAML, save, run it and watch it stream', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/agents`);
  await waitForHydration(page);
  await page.getByTestId('agents').getByText('Idea Validator').waitFor();
  await page.getByRole('link', { name: 'New agent' }).click();
  await page.waitForURL(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByTestId('templates').getByText('Support Triage').waitFor();

  // The form starts from the blank template.
  const name = `Form agent ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).first().fill(name);
  // Instructions that name an input which does not exist: the error shows at the field
  // and saving is blocked.
  const instructions = page.getByLabel('What the agent should do');
  await instructions.fill('Explain {{input.topic}} briefly. [fake:slow=1500]');
  await page.locator('#spec-instructions-problems').getByText(/unknown placeholder \{\{input\.topic\}\}/).waitFor();
  assert.equal(await instructions.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByRole('button', { name: 'Save agent' }).isDisabled(), true);
  await page.getByText(/\d+ \/ 20000 characters/).waitFor();
  // Renaming the input fixes it.
  await page.getByTestId('input-row').getByLabel('Name').fill('topic');
  await page.getByText('The spec is valid.').waitFor();
  assert.equal(await page.locator('#spec-instructions-problems li').count(), 0);
  // A rule from the rule builder.
  await page.getByLabel('Add a rule').selectOption('must_not_contain');
  await page.getByRole('button', { name: '+ Rule' }).click();
  await page.getByLabel('Answer must not contain').fill('guaranteed returns');
  await page.getByLabel('web_search').check();
  await screenshot(page, 'builder-form');

  // The YAML tab shows what the form wrote; a bad edit there is marked at its field
  // when going back to the form, and fixing it in the form makes the spec valid again.
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = await yamlBox(page).inputValue();
  assert.match(yaml, /topic:\n    type: string\n    required: true/);
  assert.match(yaml, /- must_not_contain: \[guaranteed returns\]/);
  assert.match(yaml, /tools: \[calculator, current_time, web_search\]/);
  await yamlBox(page).fill(yaml.replace('max_steps: 6', 'max_steps: 99'));
  await page.getByTestId('spec-problems').getByText(/invariants\[0\]\.max_steps: must be between 1 and 50/).waitFor();
  await page.getByRole('tab', { name: 'Form' }).click();
  const steps = page.getByLabel('Most steps');
  assert.equal(await steps.inputValue(), '99');
  assert.equal(await steps.getAttribute('aria-invalid'), 'true');
  await steps.fill('5');
  await page.getByText('The spec is valid.').waitFor();
  await page.getByRole('button', { name: 'Save agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  await page.getByRole('heading', { name }).waitFor();

  await page.getByLabel('topic (required)').fill('What is streaming?');
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
  assert.match(answer, /You asked: topic: What is streaming\?/);
  await page.getByTestId('steps').getByText('Model call').waitFor();
  const stepCount = await page.getByTestId('steps').locator('li').count();
  await screenshot(page, 'run-console');

  // The permalink shows the same run afterwards.
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.getByTestId('answer').textContent(), answer);
  assert.equal(await page.getByTestId('steps').locator('li').count(), stepCount);
  assert.equal(await page.getByTestId('run-status').textContent(), 'succeeded');
  await context.close();
});

test('a template from the gallery loads into the builder; YAML errors jump to their line', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/agents/new`);
  await waitForHydration(page);
  await page.getByTestId('templates').getByRole('link', { name: /Support Triage/ }).click();
  await page.waitForURL(/template=support-triage/);
  await page.getByLabel('Name', { exact: true }).first().waitFor();
  assert.equal(await page.getByLabel('Name', { exact: true }).first().inputValue(), 'Support Triage');
  assert.match(await page.getByLabel('Answer matches a JSON schema').inputValue(), /"category"/);
  // A broken schema is reported at the rule while typing.
  await page.getByLabel('Answer matches a JSON schema').fill('{ "type": "object", "required": [1] }');
  await page.locator('[data-testid="rule-row"]').getByText(/invalid schema/).waitFor();
  await page.getByText(/\d+ problems? to fix before saving/).waitFor();
  // Each problem in the list jumps to its YAML line.
  const jump = page.getByTestId('spec-problems').getByRole('button', { name: /^line \d+$/ }).first();
  const line = Number((await jump.textContent()).replace('line ', ''));
  await jump.click();
  assert.equal(await page.getByRole('tab', { name: 'YAML' }).getAttribute('aria-selected'), 'true');
  const [selected, text] = await yamlBox(page).evaluate((el) => [el.value.slice(el.selectionStart, el.selectionEnd), el.value]);
  assert.equal(selected, text.split('\n')[line - 1]);
  assert.ok(selected.length > 0);
  await screenshot(page, 'builder-yaml-jump');
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
  await page.getByRole('tab', { name: 'YAML' }).click();
  await yamlBox(page).fill(first.replace('[calculator]', '[calculator, current_time]'));
  await page.getByText('The spec is valid.').waitFor();
  // Ctrl+S saves, like in an editor.
  await yamlBox(page).press('Control+s');
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

test('a member runs agents but sees no edit controls, and the server refuses an edit anyway', async () => {
  // The demo owner invites a member.
  const owner = await signedInContext(browser);
  const ownerPage = await owner.newPage();
  await ownerPage.goto(`${BASE_URL}/settings`);
  await waitForHydration(ownerPage);
  await ownerPage.getByLabel('Role', { exact: true }).selectOption('member');
  await ownerPage.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await ownerPage.getByTestId('invite-link').inputValue();
  const member = await signUp(browser, 'Mia Member');
  const page = member.page;
  await page.goto(BASE_URL + link);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Join as Mia Member' }).click();
  await page.waitForURL(`${BASE_URL}/settings`);
  await page.getByTestId('user-menu').first().getByText(/· member$/).waitFor();

  await page.goto(`${BASE_URL}/agents`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Market Research Agent' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'New agent' }).count(), 0);
  await page.getByRole('link', { name: 'Market Research Agent' }).click();
  await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
  await waitForHydration(page);
  const agentUrl = page.url();
  const agentId = agentUrl.split('/').pop();
  await page.getByRole('button', { name: 'Run' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Edit spec' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Restore/ }).count(), 0);
  await screenshot(page, 'agent-as-member');

  await page.goto(`${agentUrl}/edit`);
  await page.getByText('Only admins and owners of the team can change an agent.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save new version' }).count(), 0);
  const refused = await page.request.post(`${BASE_URL}/api/agents/save_version`, {
    form: { agent_id: agentId, spec: 'name: Taken over\ninstructions: hi\n' },
    headers: { Origin: BASE_URL },
  });
  assert.equal(refused.status(), 403);
  await member.context.close();
  await owner.close();
});
