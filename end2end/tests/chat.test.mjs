import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, newAgentFromYaml, signedInContext, waitForHydration, screenshot } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Long enough that the answer streams for several seconds (the fake model sends a word
// every 40 ms in the tests), in Markdown.
const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
const reply = `Here is **the plan**: ${words} done`;

test('chat with an agent: the answer streams, survives a reload, renders Markdown; stop, regenerate, copy, rename, archive, export', async () => {
  const context = await signedInContext(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  const page = await context.newPage();
  const name = `Chat agent ${Date.now()}`;
  const agentId = await newAgentFromYaml(page, `name: ${name}\ninstructions: 'You help, briefly.'\ntools: [calculator]\n`);

  // From the run console to an empty chat.
  await page.getByRole('link', { name: 'Chat', exact: true }).click();
  await page.waitForURL(`${BASE_URL}/agents/${agentId}/chat`);
  await page.getByText('None yet: your first message starts one.').waitFor();
  // A blank message is refused by the form itself; one only of spaces by the server.
  await page.getByLabel('Message', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('chat-error').getByText('Write a message.').waitFor();
  assert.equal(new URL(page.url()).pathname, `/agents/${agentId}/chat`);

  await page.getByLabel('Message', { exact: true }).fill(`[fake:reply=${reply}] What is the plan?`);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
  const conversationUrl = page.url();
  await waitForHydration(page);
  const streaming = page.getByTestId('streaming');
  await streaming.getByText(/word5\b/).waitFor();
  // Reloading mid-answer resumes it: the text so far comes back and goes on.
  await page.reload();
  await waitForHydration(page);
  const answer = page.getByTestId('answer');
  await Promise.race([
    streaming.getByText(/word\d+/).waitFor({ timeout: 15_000 }),
    answer.waitFor({ timeout: 15_000 }),
  ]);
  await answer.getByText(/word119 done/).waitFor({ timeout: 30_000 });
  assert.equal(await answer.locator('strong').textContent(), 'the plan');
  assert.equal(await page.getByTestId('streaming').count(), 0);
  // The conversation is listed, titled after the first message.
  await page.getByTestId('conversations').getByRole('link', { name: /Here is \*\*the plan/ }).waitFor();
  await screenshot(page, 'chat-answer');

  // Copy puts the answer's Markdown on the clipboard.
  await page.getByRole('button', { name: 'Copy the answer' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), reply);

  // Regenerate: the answer is written again by a new run, in its place.
  const firstRun = await page.locator('li[data-role="assistant"] a', { hasText: 'Run' }).getAttribute('href');
  await page.getByRole('button', { name: 'Regenerate' }).click();
  // The page the post comes back to streams the new answer, then shows it kept.
  await page.getByTestId('streaming').waitFor();
  await answer.getByText(/word119 done/).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('streaming').count(), 0);
  const secondRun = await page.locator('li[data-role="assistant"] a', { hasText: 'Run' }).getAttribute('href');
  assert.notEqual(secondRun, firstRun);
  assert.equal(await page.locator('li[data-role="assistant"]').count(), 1);

  // Stop: a slow turn stopped before it answers says so.
  await waitForHydration(page);
  await page.getByLabel('Message', { exact: true }).fill('[fake:slow=30000] Take your time');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('streaming').getByText('Thinking…').waitFor();
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('turn-outcome').getByText('Stopped before it answered.').waitFor({ timeout: 15_000 });

  // The turn's run links back to the conversation.
  await page.locator('li[data-role="user"]').last().getByRole('link', { name: 'Run' }).click();
  await page.waitForURL(/\/runs\//);
  await page.getByRole('link', { name: 'Open the conversation' }).click();
  await page.waitForURL(conversationUrl);

  // Rename, export, archive.
  await page.getByText('Rename', { exact: true }).click();
  await page.getByLabel('Title').fill('The plan, discussed');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('conversation-title').getByText('The plan, discussed').waitFor();
  const exported = await page.request.get(`${BASE_URL}/conversations/${conversationUrl.split('/').pop()}/export`);
  assert.equal(exported.status(), 200);
  const data = await exported.json();
  assert.equal(data.conversation.title, 'The plan, discussed');
  assert.deepEqual(data.messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.equal(data.messages[1].content, reply);
  await page.getByRole('button', { name: 'Archive' }).click();
  await page.getByText('This conversation is archived: restore it to go on.').waitFor();
  assert.equal(await page.getByLabel('Message', { exact: true }).count(), 0);
  await page.getByRole('link', { name: 'Archived' }).click();
  await page.getByTestId('conversations').getByRole('link', { name: 'The plan, discussed' }).waitFor();

  // At 375 px the conversation reads as a column.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(conversationUrl);
  await screenshot(page, 'chat-375');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'the chat page scrolls sideways at 375 px');
  await context.close();
});

test("an answer whose stream the server cut, then refused, goes on from where it was", async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  await newAgentFromYaml(page, `name: Resuming agent ${Date.now()}\ninstructions: 'You help.'\n`);
  // The first stream ends after five events (a connection cut: the browser reconnects
  // by itself); the second is refused (a server restarting), which the browser never
  // retries: the page must open a third, after the last event it saw.
  const asked = [];
  let cutAfter;
  await context.route(/\/runs\/[0-9a-f-]{36}\/events/, async (route) => {
    asked.push(route.request().url());
    if (asked.length === 1) {
      const stream = await (await route.fetch()).text();
      const events = stream.split('\n\n').filter((e) => e.includes('event: token')).slice(0, 5);
      cutAfter = events.at(-1).match(/^id: (.+)$/m)[1];
      await route.fulfill({ status: 200, contentType: 'text/event-stream', body: `${events.join('\n\n')}\n\n` });
    } else if (asked.length === 2) {
      await route.fulfill({ status: 503, body: 'restarting' });
    } else {
      await route.continue();
    }
  });
  await page.getByRole('link', { name: 'Chat', exact: true }).click();
  await page.getByLabel('Message', { exact: true }).fill(`[fake:reply=${reply}] The plan again?`);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByTestId('answer').getByText(/word119 done/).waitFor({ timeout: 30_000 });
  assert.equal(asked.length, 3, asked.join('\n'));
  assert.equal(new URL(asked[2]).searchParams.get('after'), cutAfter);
  await context.close();
});

test('share an agent: the link opens a public chat for a visitor without an account, and stops when turned off', async () => {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const name = `Shared agent ${Date.now()}`;
  await newAgentFromYaml(page, `name: ${name}\ndescription: Answers anyone.\ninstructions: 'Help visitors.'\n`);
  await page.getByRole('link', { name: 'Share link' }).click();
  await page.waitForURL(/\/share$/);
  // A bad budget is refused and kept to correct.
  await page.getByLabel('Daily budget (USD)').fill('a lot');
  await page.getByRole('button', { name: 'Create the link' }).click();
  await page.getByRole('alert').getByText(/not a dollar amount/).waitFor();
  assert.equal(await page.getByLabel('Daily budget (USD)').inputValue(), 'a lot');
  await page.getByLabel('Daily budget (USD)').fill('2.50');
  await page.getByRole('button', { name: 'Create the link' }).click();
  await page.getByTestId('share-state').getByText('On · spent today $0.00 of $2.50').waitFor();
  const url = await page.getByTestId('share-url').inputValue();
  assert.match(url, /\/c\/[A-Za-z0-9_-]{43}$/);
  await screenshot(page, 'share-settings');

  // A visitor: a browser that never signed in.
  const visitor = await browser.newContext({ viewport: { width: 375, height: 800 } });
  const chat = await visitor.newPage();
  await chat.goto(url.replace(/^https?:\/\/[^/]+/, BASE_URL));
  await chat.getByRole('heading', { name }).waitFor();
  await chat.getByLabel('Message', { exact: true }).fill('[fake:reply=Welcome, *visitor*] Hello');
  await chat.getByRole('button', { name: 'Send' }).click();
  await chat.waitForURL(/\/c\/[A-Za-z0-9_-]+\/[0-9a-f-]{36}$/);
  await chat.getByTestId('answer').locator('em').getByText('visitor').waitFor({ timeout: 30_000 });
  assert.equal(await chat.locator('a[href^="/runs/"]').count(), 0);
  await screenshot(chat, 'share-visitor-375');

  // Turned off, the link says so.
  await page.getByLabel('Anyone with the link may chat').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('share-state').getByText(/^Off/).waitFor();
  await chat.reload();
  await chat.getByRole('heading', { name: 'This chat is not available' }).waitFor();
  await visitor.close();
  await context.close();
});
