// Times server-side renders of /dashboard for the demo team, the largest of the
// benchmark data set: sequential renders per range (the whole response, data included)
// for p50/p95/p99, the dashboard's data call alone, then throughput at concurrency 10.
// Run by scripts/bench-dashboard.sh, which starts the server and seeds the data.
import autocannon from 'autocannon';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const rounds = Number(process.env.BENCH_ROUNDS ?? 300);

const signIn = await fetch(`${base}/api/auth/sign_in`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
  body: new URLSearchParams({ email: 'demo@agentfactory.dev', password: 'demo-password' }),
});
if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.status}`);
const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed(title, request, check) {
  const once = async () => {
    const started = performance.now();
    const response = await request();
    const body = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) throw new Error(`${title}: ${response.status} ${body.slice(0, 200)}`);
    return { ms, body };
  };
  check((await once()).body);
  for (let i = 0; i < 20; i++) await once(); // warm-up
  const times = [];
  for (let i = 0; i < rounds; i++) times.push((await once()).ms);
  times.sort((a, b) => a - b);
  const f = (ms) => ms.toFixed(1);
  console.log(`${title}: p50 ${f(percentile(times, 50))} ms, p95 ${f(percentile(times, 95))} ms, p99 ${f(percentile(times, 99))} ms over ${rounds} renders`);
}

for (const range of [7, 30, 90]) {
  await timed(
    `GET /dashboard?range=${range}`,
    () => fetch(`${base}/dashboard?range=${range}`, { headers: { cookie } }),
    (html) => {
      // The page must hold the team's figures, not the empty state or an error.
      if (!html.includes('data-testid="dashboard"')) throw new Error('the dashboard did not render its data');
    },
  );
}
await timed(
  'POST /api/dashboard range=90 (data only)',
  () =>
    fetch(`${base}/api/dashboard`, {
      method: 'POST',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'range=90',
    }),
  (json) => {
    const runs = JSON.parse(json).current.runs;
    console.log(`largest team: ${runs.toLocaleString('en')} runs in the last 90 days`);
  },
);

const result = await autocannon({
  url: `${base}/dashboard?range=90`,
  connections: 10,
  duration: 10,
  headers: { cookie },
});
console.log(`GET /dashboard?range=90 at concurrency 10: ${(result['2xx'] / 10).toFixed(0)} renders/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms (${result.non2xx + result.errors} failed)`);
