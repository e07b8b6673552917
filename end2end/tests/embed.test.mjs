// The chat widget on customers' sites: two tiny "customer" servers on localhost (another
// site than 127.0.0.1, so the app's cookies never reach the embedded chat) put the
// share page's snippet on their pages; only the allowed one gets a chat bubble.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { BASE_URL, launch, newAgentFromYaml, signedInContext, screenshot } from './helpers.mjs';

let browser;
// Site A is among the agent's allowed sites; site B is not. What A serves is set by each test.
const siteA = { snippet: '' };
const siteB = { snippet: '', token: '' };
let hostA;
let hostB;

before(async () => {
  browser = await launch();
  hostA = await startHost((url) => {
    const userToken = url.pathname === '/user' ? url.searchParams.get('t') : undefined;
    return hostPage('Site A', siteA.snippet, { userToken });
  });
  hostB = await startHost(() =>
    hostPage('Site B', siteB.snippet, {
      // Our chat page, framed directly: its CSP (frame-ancestors) refuses this site.
      extra: `<iframe id="direct" src="${BASE_URL}/c/${siteB.token}" title="Direct" onload="window.directLoaded = true"></iframe>`,
    }),
  );
});
after(async () => {
  await browser?.close();
  for (const host of [hostA, hostB]) {
    host?.server.closeAllConnections();
    await new Promise((resolve) => (host ? host.server.close(resolve) : resolve()));
  }
});

/** A customer's site: an HTTP server on a port the OS picks, serving `render(url)`. */
async function startHost(render) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/favicon.ico') return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(render(url));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Through "localhost": another site than the app's 127.0.0.1.
  return { server, origin: `http://localhost:${server.address().port}` };
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A customer's page with the snippet, for a signed-in user when given their token. */
function hostPage(title, snippet, { userToken, extra = '' } = {}) {
  const script = userToken ? snippet.replace('<script ', `<script data-user-token="${escapeHtml(userToken)}" `) : snippet;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem"><h1>${title}</h1>
<p>A customer's page, with the Agent Factory chat.</p>${extra}${script}</body></html>`;
}

/** Submits the share settings (a form post; the server redirects back to the page). */
async function submitShare(page, button) {
  const saved = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/api/share'));
  await page.getByRole('button', { name: button, exact: true }).click();
  await saved;
}

/**
 * Creates the agent's share link with `origin` as its allowed site; returns its share
 * page, link token, snippet (pointing at BASE_URL, the server of this run) and embed secret.
 */
async function shareForEmbedding(page, agentId, origin) {
  const sharePage = `${BASE_URL}/agents/${agentId}/share`;
  await page.goto(sharePage);
  await page.getByLabel('Allowed sites').fill(origin);
  await submitShare(page, 'Create the link');
  const token = (await page.getByTestId('share-url').inputValue()).split('/').pop();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  await page.getByRole('heading', { name: 'Embed on your site' }).waitFor();
  await page.getByRole('button', { name: 'New embed secret' }).waitFor();
  const snippet = (await page.getByTestId('embed-snippet').inputValue()).trim();
  const shape = snippet.match(/^<script src="(https?:\/\/[^/"]+)\/embed\.js" data-link="([A-Za-z0-9_-]{43})" async><\/script>$/);
  assert.ok(shape, `unexpected snippet: ${snippet}`);
  assert.equal(shape[2], token);
  const secret = await page.getByTestId('embed-secret').inputValue();
  assert.ok(secret.length >= 32, `an embed secret of ${secret.length} characters is too short for a key`);
  // As in the share test, the address this run serves stands for the configured one.
  return { sharePage, token, secret, snippet: snippet.replace(shape[1], BASE_URL) };
}

/** A JWT (HS256) for the widget's data-user-token, as the customer's backend mints it. */
function mintUserToken(secret, claims) {
  const part = (data) => Buffer.from(JSON.stringify(data)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

const launcherOf = (page, name) => page.getByRole('button', { name: `Chat with ${name}`, exact: true });

const logged = new WeakSet();

/** Clicks the bubble and returns the chat inside the panel. */
async function openWidget(page, name) {
  // The page's and its frame's errors go to the log: a chat that never answers says why.
  if (!logged.has(page)) {
    logged.add(page);
    page.on('console', (m) => m.type() === 'error' && console.log(`browser error: ${m.text()}`));
    page.on('pageerror', (error) => console.log(`uncaught in the browser: ${error.message}`));
  }
  const launcher = launcherOf(page, name);
  await launcher.click();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  // Playwright's CSS selectors go through the widget's open shadow root.
  return page.frameLocator('#agf-chat iframe');
}

/** Sends a message in the chat and waits for the answer; `team` (the agent's team's
 * browser) reads how the turn's run stands when it does not come. */
async function say(chat, message, answer, team) {
  await chat.getByLabel('Message', { exact: true }).fill(message);
  await chat.getByRole('button', { name: 'Send' }).click();
  try {
    await chat.getByTestId('answer').getByText(answer).waitFor({ timeout: 30_000 });
  } catch (error) {
    // What the frame shows instead, whether its islands hydrated, and what it fetched
    // (the answer's events, the island's code) with each response's status, for the log.
    const state = await chat.locator('html').evaluate((html) => ({
      hydrated: html.dataset.hydrated ?? 'no',
      measures: performance.getEntriesByType('measure').map((m) => m.name),
      fetched: performance.getEntriesByType('resource').map((r) => `${r.responseStatus} ${r.name}`),
    }));
    // The run behind the answer, as its team's run page shows it.
    const props = await chat.locator('leptos-island').evaluateAll((islands) => islands.map((i) => i.dataset.props ?? ''));
    const run = props.join(' ').match(/\/runs\/([0-9a-f-]{36})/)?.[1];
    if (run && team) {
      const page = await (await team.request.get(`${BASE_URL}/runs/${run}`)).text();
      state.run = `${run}: ${page.match(/data-testid="run-status"[^>]*>([^<]*)</)?.[1] ?? 'no status on its page'}`;
    }
    console.log('The chat frame without the answer:', await chat.locator('body').innerText(), state);
    throw error;
  }
}

/** Opens a page expecting the widget to stay away, with a warning in the console. */
async function expectNoWidget(context, url, warning) {
  const page = await context.newPage();
  const warned = page.waitForEvent('console', { predicate: (m) => m.text().includes(warning), timeout: 30_000 });
  await page.goto(url);
  await warned;
  assert.equal(await page.getByRole('button', { name: /Chat with/ }).count(), 0);
  assert.equal(await page.locator('#agf-chat').count(), 0);
  return page;
}

test('embed a shared agent: a bubble on an allowed site chats without cookies; other sites get nothing', async () => {
  const admin = await signedInContext(browser);
  const page = await admin.newPage();
  const name = `Embed agent ${Date.now()}`;
  const agentId = await newAgentFromYaml(page, `name: ${name}\ninstructions: 'You help.'\n`);

  // Allowed sites are origins only: others are refused and nothing is created.
  for (const bad of ['ftp://x', 'https://a.example/path']) {
    await page.goto(`${BASE_URL}/agents/${agentId}/share`);
    await page.getByLabel('Allowed sites').fill(bad);
    await submitShare(page, 'Create the link');
    await page.getByRole('alert').filter({ hasText: 'Allowed sites' }).waitFor();
    assert.equal(await page.getByTestId('share-url').count(), 0, `${bad} was accepted`);
  }
  const { token, snippet } = await shareForEmbedding(page, agentId, hostA.origin);
  await screenshot(page, 'share-embed');
  siteA.snippet = siteB.snippet = snippet;
  siteB.token = token;

  // A visitor of site A, in a browser that never saw the app: a bubble, and nothing
  // more than the script and its settings until it is opened.
  const visitor = await browser.newContext();
  const pageA = await visitor.newPage();
  await pageA.goto(`${hostA.origin}/`);
  const launcher = launcherOf(pageA, name);
  await launcher.waitFor();
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await pageA.locator('#agf-chat iframe').count(), 0);
  const visitorId = await pageA.evaluate((key) => localStorage.getItem(key), `agf-visitor:${token}`);
  assert.match(visitorId, /^[A-Za-z0-9_-]{43}$/);

  const chat = await openWidget(pageA, name);
  const iframe = pageA.locator('#agf-chat iframe');
  assert.equal(await iframe.getAttribute('src'), `${BASE_URL}/c/${token}?session=${visitorId}`);
  assert.equal(await iframe.getAttribute('title'), name);
  await chat.getByRole('heading', { name }).waitFor();
  await say(chat, '[fake:reply=Hello from the embed] hi', 'Hello from the embed', admin);
  await screenshot(pageA, 'embed-open');

  // Escape inside the chat closes the panel too (the frame asks the page around it),
  // the focus back on the bubble.
  await chat.getByLabel('Message', { exact: true }).press('Escape');
  await pageA.waitForFunction(() => document.querySelector('#agf-chat').shadowRoot.querySelector('button').getAttribute('aria-expanded') === 'false');
  assert.equal(await launcher.evaluate((button) => button.getRootNode().activeElement === button), true);
  await launcher.click();

  // Escape closes the panel and leaves the focus on the bubble; the page's own button
  // can open it again, the conversation where it was.
  await launcher.focus();
  await pageA.keyboard.press('Escape');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
  assert.equal(await iframe.isVisible(), false);
  assert.equal(await launcher.evaluate((button) => button.getRootNode().activeElement === button), true);
  await pageA.evaluate(() => window.AgentFactoryChat.open());
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  await chat.getByTestId('answer').getByText('Hello from the embed').waitFor();
  assert.equal(await iframe.count(), 1);

  // Back later, the same browser finds its conversation (the id it keeps for the link).
  await pageA.reload();
  const again = await openWidget(pageA, name);
  await again.getByText('Your conversations').click();
  await again.getByTestId('conversations').getByRole('link', { name: /Hello from the embed/ }).waitFor();

  // Site B is not allowed: no bubble, and our chat page refuses to be framed there.
  const pageB = await expectNoWidget(visitor, `${hostB.origin}/`, 'may not embed');
  await pageB.waitForFunction(() => window.directLoaded === true);
  const direct = await (await pageB.locator('#direct').elementHandle()).contentFrame();
  assert.ok(!direct.url().startsWith(`${BASE_URL}/c/`), `site B framed the chat: ${direct.url()}`);
  assert.equal(pageB.frames().filter((frame) => frame.url().startsWith(BASE_URL)).length, 0);
  await visitor.close();

  // At 375 px the open panel takes the screen above the bubble.
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 } });
  const small = await phone.newPage();
  await small.goto(`${hostA.origin}/`);
  const smallChat = await openWidget(small, name);
  await smallChat.getByRole('heading', { name }).waitFor();
  const box = await small.locator('#agf-chat iframe').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375 && box.y >= 0 && box.y + box.height <= 812 - 56, JSON.stringify(box));
  await screenshot(small, 'embed-375');
  await phone.close();
  await admin.close();
});

test("embed for a site's signed-in users: their token names them, their conversations follow them, bad tokens are refused", async () => {
  const admin = await signedInContext(browser);
  const page = await admin.newPage();
  const name = `Embed agent ${Date.now()}`;
  const agentId = await newAgentFromYaml(page, `name: ${name}\ninstructions: 'You help.'\n`);
  const embed = await shareForEmbedding(page, agentId, hostA.origin);
  await page.getByLabel("Only your site's signed-in users").check();
  await submitShare(page, 'Save');
  await page.goto(embed.sharePage);
  assert.equal(await page.getByLabel("Only your site's signed-in users").isChecked(), true);
  assert.equal(await page.getByLabel('Allowed sites').inputValue(), hostA.origin);
  // Another agent's link, whose secret signs nothing valid for the first.
  const otherId = await newAgentFromYaml(page, `name: Other embed agent ${Date.now()}\ninstructions: 'You help.'\n`);
  const other = await shareForEmbedding(page, otherId, hostA.origin);
  assert.notEqual(other.secret, embed.secret);
  siteA.snippet = embed.snippet;
  const signedPage = (token) => `${hostA.origin}/user?t=${encodeURIComponent(token)}`;

  // Without a user token, no bubble.
  const visitor = await browser.newContext();
  await expectNoWidget(visitor, `${hostA.origin}/anon`, 'only for signed-in users');
  await visitor.close();

  // Ada, signed in on site A.
  const ada = await browser.newContext();
  const adaPage = await ada.newPage();
  await adaPage.goto(signedPage(mintUserToken(embed.secret, { sub: 'user-1', name: 'Ada', exp: inAnHour() })));
  const adaChat = await openWidget(adaPage, name);
  await adaChat.getByRole('heading', { name }).waitFor();
  await adaChat.getByTestId('signed-in-as').getByText(/Ada/).waitFor();
  await say(adaChat, "[fake:reply=Hello, Ada] Ada's first question", 'Hello, Ada', admin);
  await screenshot(adaPage, 'embed-signed-user');
  await ada.close();

  // Ada again, from another browser with a new token: her conversation is there.
  const adaElsewhere = await browser.newContext();
  const elsewhere = await adaElsewhere.newPage();
  await elsewhere.goto(signedPage(mintUserToken(embed.secret, { sub: 'user-1', exp: inAnHour(), daily_messages: 50 })));
  const elsewhereChat = await openWidget(elsewhere, name);
  await elsewhereChat.getByText('Your conversations').click();
  await elsewhereChat.getByTestId('conversations').getByRole('link', { name: /Ada's first question/ }).waitFor();
  await adaElsewhere.close();

  // Another user sees none of it.
  const bob = await browser.newContext();
  const bobPage = await bob.newPage();
  await bobPage.goto(signedPage(mintUserToken(embed.secret, { sub: 'user-2', name: 'Bob', exp: inAnHour() })));
  const bobChat = await openWidget(bobPage, name);
  await bobChat.getByLabel('Message', { exact: true }).waitFor();
  assert.equal(await bobChat.getByTestId('conversations').count(), 0);
  assert.equal(await bobChat.getByText(/Ada's first question/).count(), 0);
  await bob.close();

  // Tokens the chat cannot trust: signed with another key, expired, another agent's.
  const now = Math.floor(Date.now() / 1000);
  const untrusted = {
    forged: mintUserToken('not the embed secret, but long enough', { sub: 'user-1', exp: inAnHour() }),
    expired: mintUserToken(embed.secret, { sub: 'user-1', exp: now - 600 }),
    "another agent's": mintUserToken(other.secret, { sub: 'user-1', exp: inAnHour() }),
  };
  const stranger = await browser.newContext();
  for (const [kind, token] of Object.entries(untrusted)) {
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(signedPage(token));
    const chat = await openWidget(strangerPage, name);
    await chat.getByRole('alert').filter({ hasText: /could not confirm who you are/i }).waitFor();
    assert.equal(await chat.getByLabel('Message', { exact: true }).count(), 0, `a ${kind} token may chat`);
    assert.equal(await chat.getByText(/Ada's first question/).count(), 0, `a ${kind} token sees Ada's conversations`);
    await strangerPage.close();
  }
  await stranger.close();
  await admin.close();
});
