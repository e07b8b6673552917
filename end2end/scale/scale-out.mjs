// Many copies of the server are one correct service: 2 web and 2 worker processes of
// the test build, on loopback ports, one PostgreSQL and one Redis, behind HAProxy
// (round-robin, health-checked on /ready). Everything goes through the load balancer:
//
//   1. Chromium signs in and uses the app, whichever instance answers;
//   2. 200 runs start over the API (Idempotency-Key, retried on a failed answer), 20 of
//      them followed over SSE; halfway, one web and one worker are killed with SIGKILL.
//      Every run that got a 2xx finishes exactly once and is billed once; the followers
//      reconnect with Last-Event-ID and lose no event;
//   3. every web instance is restarted in turn (SIGTERM, start, wait for /ready) under
//      steady load: no request fails at the load balancer;
//   4. each run's webhook arrives, one event per run;
//   5. a team's rate limit of N a minute admits N across both web instances, no more.
//
// Run by scripts/test-scale-out.sh, which prepares the database and passes the settings.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';

const env = process.env;
const SERVER = env.SCALE_SERVER_BIN;
const LB_PORT = 3200;
const WEB_PORTS = [3201, 3202];
const WORKER_PORTS = [3211, 3212];
const WEBHOOK_PORT = 3220;
const LB = `http://127.0.0.1:${LB_PORT}`;
const KEY = env.SCALE_API_KEY;
const RUNS = 200;
const FOLLOWED = 20;
const RATE_LIMIT = 40;
const work = mkdtempSync(join(tmpdir(), 'agf-scale-'));
const figures = {};
const processes = new Map();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function serverEnv(port) {
  return {
    PATH: env.PATH,
    HOME: env.HOME,
    DATABASE_URL: env.SCALE_DATABASE_URL,
    DATABASE_OWNER_URL: 'none',
    REDIS_URL: env.REDIS_URL,
    REDIS_PREFIX: env.SCALE_REDIS_PREFIX,
    LEPTOS_SITE_ROOT: env.SCALE_SITE_ROOT,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    DEMO_LLM_BASE_URL: env.SCALE_LLM_URL,
    OUTBOUND_ALLOWLIST: `127.0.0.1:${WEBHOOK_PORT}`,
    RUN_LEASE_SECS: '2',
    RUN_WORKERS: '8',
    RATE_LIMIT_ENTERPRISE: '100000',
    RATE_LIMIT_PRO: String(RATE_LIMIT),
    SHUTDOWN_GRACE_SECS: '10',
    WEBHOOK_RETRY_SECS: '1,1,1,1,1',
    RUST_LOG: 'warn',
  };
}

/** Starts `serve` or `worker` on `port` under `name`, logging to the work folder. */
function start(name, role, port) {
  const child = spawn(SERVER, [role], { env: serverEnv(port), stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stdout.on('data', (d) => log.push(d));
  child.stderr.on('data', (d) => log.push(d));
  child.on('exit', () => writeFileSync(join(work, `${name}.log`), Buffer.concat(log)));
  processes.set(name, { child, port });
  return child;
}

async function waitReady(port) {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      if (response.ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`127.0.0.1:${port} never became ready`);
}

function exited(child) {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)));
}

/** The load balancer, from Debian's HAProxy: round-robin over the web instances, each
 * checked on /ready every 200 ms; a failed connection is retried on the other one. */
function startHaproxy() {
  const config = `
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
  retries 3
  option redispatch
  retry-on conn-failure empty-response response-timeout
frontend api
  bind 127.0.0.1:${LB_PORT}
  default_backend web
backend web
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  default-server inter 200ms fall 1 rise 1
${WEB_PORTS.map((port, i) => `  server web${i + 1} 127.0.0.1:${port} check`).join('\n')}
`;
  const path = join(work, 'haproxy.cfg');
  writeFileSync(path, config);
  const child = spawn(env.SCALE_HAPROXY ?? 'haproxy', ['-f', path, '-db'], { stdio: ['ignore', 'inherit', 'inherit'] });
  processes.set('haproxy', { child });
}

async function api(method, path, body, headers = {}) {
  const response = await fetch(LB + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Starts a run, retrying a failed answer with the same Idempotency-Key (the instance
 * may have died under it): one run whatever happens. A request the killed instance was
 * answering holds its key until the hold lapses (10 s): the retries answered 409 until
 * then are the wait a client sees. */
async function startRun(agentId, index) {
  const key = randomUUID();
  const giveUp = Date.now() + 30_000;
  while (Date.now() < giveUp) {
    try {
      const { status, body } = await api('POST', `/v1/agents/${agentId}/runs`, { input: { n: String(index) } }, { 'idempotency-key': key });
      if (status === 202 || status === 200) return body.id;
      figures.run_start_retries = (figures.run_start_retries ?? 0) + 1;
    } catch {
      figures.run_start_retries = (figures.run_start_retries ?? 0) + 1;
    }
    await sleep(100);
  }
  throw new Error(`run ${index} could not be started`);
}

/** Follows a run's events to its end over SSE, reconnecting with Last-Event-ID when a
 * stream breaks or the instance says `reconnect`. Returns the ids of the events seen. */
async function follow(runId) {
  const seen = [];
  let lastId = null;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const headers = { authorization: `Bearer ${KEY}`, accept: 'text/event-stream' };
      if (lastId) headers['last-event-id'] = lastId;
      const response = await fetch(`${LB}/v1/runs/${runId}/events`, { headers });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const id = raw.match(/^id:\s?(.*)$/m)?.[1];
          const name = raw.match(/^event:\s?(.*)$/m)?.[1];
          if (id) {
            seen.push(id);
            lastId = id;
          }
          if (name === 'finished') return seen;
        }
      }
    } catch {}
    figures.stream_reconnects = (figures.stream_reconnects ?? 0) + 1;
    await sleep(200);
  }
  throw new Error(`run ${runId}: its events never finished`);
}

/** All of a finished run's events, replayed from the start in one stream. */
async function replay(runId) {
  const response = await fetch(`${LB}/v1/runs/${runId}/events`, { headers: { authorization: `Bearer ${KEY}`, accept: 'text/event-stream' } });
  const text = await response.text();
  return [...text.matchAll(/^id:\s?(.*)$/gm)].map((m) => m[1]);
}

function sql(query) {
  return execFileSync('psql', [env.SCALE_OWNER_DATABASE_URL, '-qtAc', query], { encoding: 'utf8' }).trim();
}

async function main() {
  // The webhook receiver counts deliveries by run and by webhook-id.
  const deliveries = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (d) => (body += d));
    request.on('end', () => {
      deliveries.push({ id: request.headers['webhook-id'], event: JSON.parse(body) });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(WEBHOOK_PORT, '127.0.0.1', resolve));

  WEB_PORTS.forEach((port, i) => start(`web${i + 1}`, 'serve', port));
  WORKER_PORTS.forEach((port, i) => start(`worker${i + 1}`, 'worker', port));
  await Promise.all([...WEB_PORTS, ...WORKER_PORTS].map(waitReady));
  startHaproxy();
  await waitReady(LB_PORT);

  // 1. The app in Chromium, through the load balancer.
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  await page.goto(`${LB}/signin`);
  await page.getByLabel('Email').fill('demo@agentfactory.dev');
  await page.getByLabel('Password').fill('demo-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${LB}/dashboard`);
  await page.waitForSelector('html[data-hydrated="true"]');
  for (const path of ['/agents', '/dashboard', '/settings/api-keys', '/agents', '/marketplace', '/dashboard']) {
    const response = await page.goto(LB + path);
    assert.equal(response.status(), 200, path);
    assert.equal(new URL(page.url()).pathname, path, `signed out on ${path}`);
  }
  await browser.close();
  figures.pages_signed_in = 6;

  // The agent and the webhook the runs report to.
  const spec = 'name: Scale check\ninstructions: Answer {{input.n}}.\ninputs:\n  n: {type: string, required: true}\n';
  const agent = await api('POST', '/v1/agents', { spec });
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  const hook = await api('POST', '/v1/webhooks', { url: `http://127.0.0.1:${WEBHOOK_PORT}/hook`, events: ['run.succeeded', 'run.failed'] });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));

  // 2. 200 runs, 20 followed; one web and one worker killed halfway.
  const runIds = [];
  const followers = [];
  let killed = false;
  const starts = [];
  for (let i = 0; i < RUNS; i++) {
    starts.push(
      startRun(agent.body.id, i).then((id) => {
        runIds.push(id);
        if (followers.length < FOLLOWED && i % 10 === 0) followers.push(follow(id).then((seen) => ({ id, seen })));
      }),
    );
    if (i === RUNS / 2 && !killed) {
      killed = true;
      processes.get('web1').child.kill('SIGKILL');
      processes.get('worker1').child.kill('SIGKILL');
    }
    await sleep(25);
  }
  await Promise.all(starts);
  await sleep(500);
  start('web1', 'serve', WEB_PORTS[0]);
  start('worker1', 'worker', WORKER_PORTS[0]);
  await Promise.all([waitReady(WEB_PORTS[0]), waitReady(WORKER_PORTS[0])]);
  const followed = await Promise.all(followers);
  for (let i = 0; i < 600; i++) {
    if (Number(sql(`SELECT count(*) FROM runs WHERE status IN ('queued', 'running')`)) === 0) break;
    await sleep(100);
  }
  const ids = `'${runIds.join("','")}'`;
  assert.equal(new Set(runIds).size, RUNS, 'a run id answered twice');
  assert.equal(Number(sql('SELECT count(*) FROM runs')), RUNS, 'runs created: exactly one per accepted request');
  assert.equal(Number(sql(`SELECT count(*) FROM runs WHERE id IN (${ids}) AND status = 'succeeded'`)), RUNS, 'every accepted run succeeded');
  assert.equal(Number(sql('SELECT coalesce(sum(runs), 0) FROM usage_periods')), RUNS, 'the quota counted each run once');
  const billed = sql('SELECT coalesce(sum(runs), 0), coalesce(sum(cost_micro_usd), 0) FROM usage_daily').split('|').map(Number);
  const spent = Number(sql('SELECT coalesce(sum(cost_micro_usd), 0) FROM runs'));
  assert.deepEqual(billed, [RUNS, spent], 'the daily roll-up counted each run and its cost once');
  figures.runs = RUNS;
  figures.runs_reclaimed_after_kill = Number(sql('SELECT count(*) FROM runs WHERE attempts > 1'));
  let lost = 0;
  for (const { id, seen } of followed) {
    const all = await replay(id);
    const unique = new Set(seen);
    figures.duplicate_events = (figures.duplicate_events ?? 0) + (seen.length - unique.size);
    lost += all.filter((event) => !unique.has(event)).length;
  }
  assert.equal(lost, 0, 'a follower lost events');
  figures.followed_runs = followed.length;
  figures.lost_events = lost;

  // 3. Every web instance restarted in turn under steady load.
  let stop = false;
  let requests = 0;
  const failures = [];
  const load = Array.from({ length: 4 }, async () => {
    while (!stop) {
      try {
        const response = await fetch(`${LB}/v1/agents`, { headers: { authorization: `Bearer ${KEY}` } });
        await response.arrayBuffer();
        requests++;
        if (response.status !== 200) failures.push(response.status);
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  for (const [i, port] of WEB_PORTS.entries()) {
    await sleep(500);
    const { child } = processes.get(`web${i + 1}`);
    child.kill('SIGTERM');
    await exited(child);
    assert.equal(child.exitCode, 0, `web${i + 1} did not exit cleanly on SIGTERM`);
    start(`web${i + 1}`, 'serve', port);
    await waitReady(port);
  }
  await sleep(500);
  stop = true;
  await Promise.all(load);
  figures.rolling_restart_requests = requests;
  figures.rolling_restart_failures = failures.length;
  assert.deepEqual(failures, [], 'requests failed during the rolling restart');

  // 4. Webhooks: every run's event arrived, one event per run. Deliveries the killed
  // worker had claimed go out again once their 30 s claim lapses.
  for (let i = 0; i < 600 && new Set(deliveries.map((d) => d.event.data?.run_id ?? d.event.data?.id)).size < RUNS; i++) await sleep(100);
  const byRun = new Map();
  for (const { id, event } of deliveries) {
    const run = event.data?.run_id ?? event.data?.id;
    byRun.set(run, new Set([...(byRun.get(run) ?? []), id]));
  }
  assert.equal(runIds.filter((id) => byRun.has(id)).length, RUNS, 'a run webhook never arrived');
  assert.ok([...byRun.values()].every((events) => events.size === 1), 'a run sent two different events');
  figures.webhooks = deliveries.length;
  figures.webhook_resends = deliveries.length - new Set(deliveries.map((d) => d.id)).size;

  // 5. A team's rate limit holds across instances: N admitted, the rest refused.
  const limited = { authorization: `Bearer ${env.SCALE_LIMITED_KEY}` };
  const statuses = await Promise.all(
    Array.from({ length: RATE_LIMIT * 2 }, () => fetch(`${LB}/v1/agents`, { headers: limited }).then((r) => r.status)),
  );
  const admitted = statuses.filter((s) => s === 200).length;
  assert.equal(admitted, RATE_LIMIT, `the limit of ${RATE_LIMIT} admitted ${admitted}: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 429).length, RATE_LIMIT);
  figures.rate_limit = `${admitted} of ${statuses.length} admitted (a pro team, limit ${RATE_LIMIT})`;

  receiver.close();
  console.log(`scale-out: ${JSON.stringify(figures)}`);
}

try {
  await main();
} catch (error) {
  console.error(`scale-out failed: ${error.stack ?? error}\nfigures so far: ${JSON.stringify(figures)}\nlogs in ${work}`);
  process.exitCode = 1;
} finally {
  for (const { child } of processes.values()) child.kill('SIGKILL');
  // Whatever is still open (the webhook receiver after a failure) must not keep the
  // test waiting for its time limit.
  process.exit();
}
