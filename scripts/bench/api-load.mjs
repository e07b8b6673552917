// Load benchmark of the public API at fixed concurrency: `GET /v1/agents` and the
// gateway's `POST /v1/chat/completions` against the fake provider. Prints throughput,
// p50/p99 latency, and the gateway's own added latency (its X-Gateway-Overhead-Ms
// header) at p50/p99. Run by scripts/bench-api.sh, which starts what it needs.
import autocannon from 'autocannon';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const key = process.env.AGF_KEY;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
if (!key) throw new Error('set AGF_KEY');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(title, options, onHeaders) {
  // autocannon takes the path as part of the URL.
  const result = await autocannon({
    url: base + options.path,
    duration: seconds,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    setupClient: onHeaders ? (client) => client.on('headers', onHeaders) : undefined,
    ...options,
  });
  const ok = result['2xx'];
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(`${title}: ${(ok / seconds).toFixed(0)} req/s ok (${other} other), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms at concurrency ${options.connections}`);
  return result;
}

await load('GET /v1/agents', { path: '/v1/agents', connections: 10, workers: 1 });

const overheads = [];
await load(
  'POST /v1/chat/completions',
  {
    path: '/v1/chat/completions',
    method: 'POST',
    connections: 10,
    body: JSON.stringify({ model: 'cheap', max_tokens: 32, messages: [{ role: 'user', content: 'Say hello' }] }),
  },
  (info) => {
    // The parser's headers: a flat [name, value, name, value, …] array.
    const headers = info.headers ?? [];
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === 'x-gateway-overhead-ms') overheads.push(Number(headers[i + 1]));
    }
  },
);
overheads.sort((a, b) => a - b);
if (overheads.length) {
  console.log(`gateway added latency: p50 ${percentile(overheads, 50).toFixed(3)} ms, p99 ${percentile(overheads, 99).toFixed(3)} ms over ${overheads.length} calls`);
}
