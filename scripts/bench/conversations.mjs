// Many conversations streaming at once through the REST API (scripts/bench-conversations.sh
// starts what this talks to). Each conversation sends one message with
// `Accept: text/event-stream`; the time to its first `token` event is compared with
// the fake provider's own time to its first streamed token, asked the same way and
// at the same concurrency, so what is left is what we add (the queue, the worker, the
// event bus, the stream), retries after a 503 included. The server's resident memory is sampled throughout: its
// peak over the idle baseline, per conversation, is what holding one costs.
import { readFileSync } from 'node:fs';

const base = process.env.BASE;
const key = process.env.AGF_KEY;
const fake = process.env.FAKE;
const serverPid = process.env.SERVER_PID;
const count = Number(process.env.CONVERSATIONS ?? 1000);
const words = Number(process.env.WORDS ?? 100);
const reply = Array.from({ length: words }, (_, i) => `w${i}`).join(' ');
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

const rssMb = () => {
  const status = readFileSync(`/proc/${serverPid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
};

async function call(method, path, body) {
  const response = await fetch(base + path, { method, headers: auth, body: body && JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Runs `work` over `items`, at most `width` at a time. */
async function inBatches(items, width, work) {
  const results = [];
  for (let at = 0; at < items.length; at += width) {
    results.push(...(await Promise.all(items.slice(at, at + width).map(work))));
  }
  return results;
}

/**
 * Reads a server-sent event stream; returns the time (ms after `started`) of the first
 * chunk `isFirst` accepts and of the stream's end.
 */
async function timeStream(response, started, isFirst) {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let first = null;
  let seen = '';
  for await (const chunk of response.body) {
    if (first === null) {
      seen += decoder.decode(chunk, { stream: true });
      if (isFirst(seen)) first = performance.now() - started;
    }
  }
  return { first, end: performance.now() - started };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const summary = (label, times) =>
  `${label.padEnd(34)} p50 ${percentile(times, 50).toFixed(0).padStart(6)} ms  p95 ${percentile(times, 95).toFixed(0).padStart(6)} ms  p99 ${percentile(times, 99).toFixed(0).padStart(6)} ms`;

const agent = await call('POST', '/v1/agents', { spec: { name: `Bench chat ${Date.now()}`, instructions: 'Chat with the person.' } });
const conversations = await inBatches(Array.from({ length: count }), 50, () =>
  call('POST', `/v1/agents/${agent.id}/conversations`, {}),
);
console.log(`${count} conversations started with agent ${agent.id}`);

// The provider alone, the same number of streams at once.
const direct = await Promise.all(
  Array.from({ length: count }, async () => {
    const started = performance.now();
    const response = await fetch(`${fake}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-fast', stream: true, messages: [{ role: 'user', content: `[fake:reply=${reply}] hi` }] }),
    });
    return timeStream(response, started, (seen) => seen.includes('"content":"w0'));
  }),
);

await new Promise((resolve) => setTimeout(resolve, 2000));
const baseline = rssMb();
let peak = baseline;
let open = 0;
let mostOpen = 0;
let retries = 0;
let followedLater = 0;
const sampler = setInterval(() => { peak = Math.max(peak, rssMb()); }, 50);
const started = performance.now();
const ours = await Promise.all(
  conversations.map(async (conversation) => {
    const sent = performance.now();
    // A server whose database connections are all busy past a second answers 503 with
    // Retry-After, as a client library would be told; this client retries, as they do.
    let response;
    for (;;) {
      response = await fetch(`${base}/v1/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers: { ...auth, accept: 'text/event-stream' },
        body: JSON.stringify({ content: `[fake:reply=${reply}] hi` }),
      });
      if (response.status !== 503) break;
      retries += 1;
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)));
    }
    // Taken, but its events could not be followed at that moment: a 202 with the run
    // at Location, followed from there.
    if (response.status === 202) {
      followedLater += 1;
      await response.text();
      response = await fetch(base + response.headers.get('location') + '/events', { headers: auth });
    }
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    try {
      return await timeStream(response, sent, (seen) => seen.includes('event: token'));
    } finally {
      open -= 1;
    }
  }),
);
const wall = performance.now() - started;
clearInterval(sampler);

const firstOurs = ours.map((t) => t.first).filter((t) => t !== null);
const firstDirect = direct.map((t) => t.first).filter((t) => t !== null);
console.log(`streams: ${firstOurs.length} of ${count} answered, at most ${mostOpen} open at once, all done in ${(wall / 1000).toFixed(1)} s; ${retries} sends retried after a 503, ${followedLater} followed at their Location after a 202`);
console.log(summary('first token, the provider alone', firstDirect));
console.log(summary('first token, through a conversation', firstOurs));
console.log(`added by us at p50: ${(percentile(firstOurs, 50) - percentile(firstDirect, 50)).toFixed(0)} ms, at p95: ${(percentile(firstOurs, 95) - percentile(firstDirect, 95)).toFixed(0)} ms`);
console.log(`server memory: ${baseline.toFixed(0)} MB idle, ${peak.toFixed(0)} MB at the peak: ${(((peak - baseline) * 1024) / count).toFixed(1)} KB per streaming conversation`);
if (firstOurs.length < count) process.exitCode = 1;
