import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, signedInContext, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin creates an API key, sees it once, uses it, and revokes it', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/settings`);
  await waitForHydration(page);
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.waitForURL(`${BASE_URL}/settings/api-keys`);
  await waitForHydration(page);
  await page.getByLabel('Name', { exact: true }).fill('CI pipeline');
  await page.getByLabel('Expires').selectOption('30');
  await page.getByLabel('Response cache').selectOption('3600');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByTestId('new-key').inputValue();
  assert.match(key, /^agf_[A-Za-z0-9_-]{43}$/);
  const row = page.locator(`[data-key="${key.slice(0, 12)}"]`);
  await row.getByText('CI pipeline').waitFor();
  await row.getByText(/read, run · by Demo User/).waitFor();
  await row.getByText(/cache 1 hour/).waitFor();
  await screenshot(page, 'settings-api-keys');

  // The key works against the REST API, without the session cookie.
  const api = await browser.newContext();
  const listed = await api.request.get(`${BASE_URL}/v1/agents`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(listed.status(), 200);
  assert.ok((await listed.json()).agents.some((agent) => agent.name === 'Idea Validator'));
  assert.ok(listed.headers()['x-ratelimit-limit']);

  // After a reload the key is gone from the page; revoking it shuts it out.
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.getByTestId('new-key').count(), 0);
  await row.getByRole('button', { name: 'Revoke CI pipeline' }).click();
  await row.getByText('Revoked').waitFor();
  const refused = await api.request.get(`${BASE_URL}/v1/agents`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(refused.status(), 401);
  assert.equal(refused.headers()['content-type'], 'application/problem+json');
  await api.close();
  await context.close();
});

test('an admin adds a webhook endpoint, sees its secret once, and a refused address is explained', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/settings/webhooks`);
  await waitForHydration(page);
  await page.getByText('No endpoints yet').waitFor();

  await page.getByLabel('URL').fill('http://169.254.169.254/latest/meta-data');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.getByRole('alert').getByText(/cannot receive webhooks/).waitFor();

  await page.getByLabel('URL').fill('https://hooks.example.com/agent-factory');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = await page.getByTestId('webhook-secret').inputValue();
  assert.match(secret, /^whsec_/);
  const endpoint = page.locator('[data-webhook="https://hooks.example.com/agent-factory"]');
  await endpoint.getByText('run.succeeded, run.failed').waitFor();
  await endpoint.getByRole('button', { name: 'Send test event' }).click();
  await endpoint.getByText('webhook.test').waitFor();
  await screenshot(page, 'settings-webhooks');
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false);
  await context.close();
});

test('the official OpenAI SDK talks to the gateway unchanged, streaming and not', async () => {
  const { default: OpenAI } = await import('openai');
  const context = await signedInContext(browser);
  // A key through the same server function the settings page uses.
  const made = await context.request.post(`${BASE_URL}/api/api_keys/create`, {
    form: { name: 'SDK', read: 'on', run: 'on' },
    headers: { origin: BASE_URL },
  });
  assert.equal(made.status(), 200);
  const { key } = await made.json();
  const client = new OpenAI({ baseURL: `${BASE_URL}/v1`, apiKey: key, maxRetries: 0 });

  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'cheap'));
  const answer = await client.chat.completions.create({
    model: 'cheap',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  assert.ok(answer.choices[0].message.content.length > 0);
  assert.ok(answer.usage.total_tokens > 0);

  const stream = await client.chat.completions.create({
    model: 'auto',
    stream: true,
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);

  // Structured output, as `chat.completions.parse` and JSON-mode clients send it.
  const parsed = await client.chat.completions.parse({
    model: 'cheap',
    n: 2,
    messages: [{ role: 'user', content: 'A person, please' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'person',
        strict: true,
        schema: {
          type: 'object',
          properties: { name: { type: 'string' }, age: { type: 'integer' } },
          required: ['name', 'age'],
          additionalProperties: false,
        },
      },
    },
  });
  assert.equal(parsed.choices.length, 2);
  for (const choice of parsed.choices) {
    assert.equal(typeof choice.message.parsed.name, 'string');
    assert.ok(Number.isInteger(choice.message.parsed.age));
  }
  assert.equal((await client.models.retrieve('cheap')).id, 'cheap');

  // Errors are the SDK's own classes, with OpenAI's code and param.
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'cheap', temperature: 7, messages: [{ role: 'user', content: 'x' }] }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'temperature' && error.code === 'invalid_value',
  );
  // A stream that cannot start fails as a request does, before the first chunk.
  await assert.rejects(
    client.chat.completions.create({ model: 'cheap', stream: true, messages: [{ role: 'user', content: '[fake:status=400] x' }] }),
    (error) => error instanceof OpenAI.BadRequestError && error.code === 'provider_refused',
  );
  await context.close();
});
