// Lighthouse (mobile preset: simulated slow 4G, 4× CPU slowdown) over every page the
// performance goals name, signed in where the page needs it; prints one table row per
// page. Run by scripts/bench-pages.sh, which builds and starts the server.
//
// BASE_URL: the server; API_KEY: an admin key of the demo team (to find an agent, a
// run and a template to open); PAGES: a comma-separated subset of the page names below;
// RUNS: Lighthouse runs per page (3), of which the median by performance score is
// reported — one simulated run's LCP can be a second off the next one's; LH_REPORTS: a
// folder to keep each run's whole Lighthouse report in (to see what a score is made of).
import { mkdirSync, writeFileSync } from 'node:fs';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const apiKey = process.env.API_KEY;
if (!apiKey) throw new Error('API_KEY is not set');

async function api(path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function signIn() {
  const response = await fetch(`${base}/api/auth/sign_in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ email: 'demo@agentfactory.dev', password: 'demo-password' }),
  });
  if (response.status >= 400) throw new Error(`sign-in failed: ${response.status}`);
  return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

// The pages with something in them: the demo team's market research agent, a finished
// run of it, the first published template.
const agents = await api('/v1/agents');
const agent = agents.agents.find((a) => /market research/i.test(a.name));
if (!agent) throw new Error('the demo team has no market research agent');
const run = await api(`/v1/agents/${agent.id}/runs?wait=true`, {
  method: 'POST',
  body: JSON.stringify({ input: { query: 'EV chargers in Spain' } }),
});
const templates = await api('/v1/templates');
const [template] = templates.templates;

const pages = [
  { name: 'landing', path: '/' },
  { name: 'sign-in', path: '/signin' },
  { name: 'sign-up', path: '/signup' },
  { name: 'dashboard', path: '/dashboard', signedIn: true },
  { name: 'agents', path: '/agents', signedIn: true },
  { name: 'run console', path: `/agents/${agent.id}`, signedIn: true },
  { name: 'run', path: `/runs/${run.id}`, signedIn: true },
  { name: 'editor (new agent)', path: '/agents/new', signedIn: true },
  { name: 'marketplace', path: '/marketplace', signedIn: true },
  ...(template ? [{ name: 'template', path: `/marketplace/${template.slug}`, signedIn: true }] : []),
  { name: 'settings (team)', path: '/settings', signedIn: true },
  { name: 'settings (API keys)', path: '/settings/api-keys', signedIn: true },
  { name: 'settings (providers)', path: '/settings/providers', signedIn: true },
];
const only = process.env.PAGES?.split(',').map((p) => p.trim());
const chosen = only ? pages.filter((p) => only.includes(p.name)) : pages;

const cookie = await signIn();
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  // The machine's network is closed: no background connections, a profile of its own.
  chromeFlags: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

/** One Lighthouse run of `page`: its table row, and what moved if anything did. */
async function measure(chrome, page) {
  // Lighthouse now and then fails to record a trace (NO_NAVSTART): such a run is
  // repeated, up to three times, never reported.
  let lhr;
  for (let attempt = 1; ; attempt++) {
    const result = await lighthouse(`${base}${page.path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      extraHeaders: page.signedIn ? { cookie } : undefined,
    });
    lhr = result.lhr;
    if (!lhr.runtimeError) break;
    if (attempt === 3) throw new Error(`${page.name}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  }
  if (process.env.LH_REPORTS) {
    mkdirSync(process.env.LH_REPORTS, { recursive: true });
    const file = `${page.name.replace(/\W+/g, '-')}-${Date.now()}.json`;
    writeFileSync(`${process.env.LH_REPORTS}/${file}`, JSON.stringify(lhr));
  }
  const { categories, audits, finalDisplayedUrl } = lhr;
  if (page.signedIn && new URL(finalDisplayedUrl).pathname.startsWith('/signin')) {
    throw new Error(`${page.name}: sent to the sign-in page (the session cookie did not hold)`);
  }
  const score = (c) => Math.round(categories[c].score * 100);
  const failed = Object.values(categories)
    .flatMap((c) => c.auditRefs.filter((r) => r.weight > 0).map((r) => audits[r.id]))
    .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary')
    .map((a) => a.id);
  const shifts = audits['layout-shifts']?.details?.items ?? [];
  // The islands' hydration as the loader timed it (wall time, unthrottled, each
  // island's chunk fetches included): 0 where the page has no island.
  const hydration = (audits['user-timings']?.details?.items ?? [])
    .filter((t) => t.name.startsWith('hydrate '))
    .reduce((sum, t) => sum + (t.duration ?? 0), 0);
  return {
    row: {
      page: page.name,
      perf: score('performance'),
      a11y: score('accessibility'),
      bp: score('best-practices'),
      seo: score('seo'),
      'LCP s': (audits['largest-contentful-paint'].numericValue / 1000).toFixed(2),
      'TBT ms': Math.round(audits['total-blocking-time'].numericValue),
      CLS: audits['cumulative-layout-shift'].numericValue.toFixed(3),
      KB: Math.round(audits['total-byte-weight'].numericValue / 1024),
      requests: audits['network-requests'].details.items.length,
      'hydrate ms': Math.round(hydration),
      failing: failed.join(' '),
    },
    moved: shifts.map((item) => `${item.node?.selector ?? '?'} (${item.score.toFixed(3)})`),
  };
}

const runs = Number(process.env.RUNS ?? 3);
const rows = [];
try {
  for (const page of chosen) {
    const measured = [];
    for (let run = 1; run <= runs; run++) {
      const { row, moved } = await measure(chrome, page);
      measured.push(row);
      console.error(`  ${page.name}: run ${run} of ${runs}, performance ${row.perf}${moved.length ? `; shifted: ${moved.join(', ')}` : ''}`);
    }
    measured.sort((a, b) => a.perf - b.perf);
    rows.push(measured[Math.floor(measured.length / 2)]);
  }
} finally {
  await chrome.kill();
}

// A Markdown table: the README keeps it as printed.
const columns = Object.keys(rows[0]);
console.log(`| ${columns.join(' | ')} |`);
console.log(`|${columns.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${columns.map((c) => row[c]).join(' | ')} |`);
