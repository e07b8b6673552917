// Where a page's main thread goes while it loads and hydrates, from a Chromium trace
// with the CPU slowed 4× (as Lighthouse's mobile preset assumes): every task over 50 ms
// with what fills it, the blocking time they add up to, and how many WASM functions V8
// compiled lazily (on first call, on the main thread) and how long that took — on the
// editor, most of the hydration task. Run by scripts/bench-pages.sh after Lighthouse.
//
// LEPTOS_SITE_ADDR: the server, with the demo account; TRACE_PAGES: paths (/agents/new);
// RUNS_TRACE: runs per page (3), the median reported.
import { BASE_URL as base, launch, signedInContext } from '../../end2end/tests/helpers.mjs';

const paths = (process.env.TRACE_PAGES ?? '/agents/new').split(',');
const runs = Number(process.env.RUNS_TRACE ?? 3);
const CATEGORIES = 'devtools.timeline,v8,v8.wasm,disabled-by-default-devtools.timeline';

const browser = await launch();

/** One load of `path`: its long tasks, blocking time and lazy WASM compilation. */
async function trace(path) {
  const context = await signedInContext(browser, { viewport: { width: 412, height: 823 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await page.goto(`${base}${path}`);
  await page.waitForSelector('html[data-hydrated="true"]', { state: 'attached' });
  await page.waitForTimeout(1000);
  await cdp.send('Tracing.end');
  await complete;
  await context.close();
  // The page's renderer: the thread that parsed its HTML (the navigation may have
  // moved to another process).
  const main = events.find(
    (e) => e.name === 'ParseHTML' && e.args?.beginData?.url?.startsWith(`${base}${path}`),
  );
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
  const start = Math.min(...onMain.map((e) => e.ts));
  const long = onMain.filter((e) => e.name === 'RunTask' && e.dur > 50_000).sort((a, b) => a.ts - b.ts);
  const tasks = long.map((task) => {
    const inside = {};
    for (const e of onMain) {
      if (e !== task && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur) {
        inside[e.name] = (inside[e.name] ?? 0) + e.dur;
      }
    }
    const top = Object.entries(inside).sort((a, b) => b[1] - a[1]).slice(0, 4);
    return `${((task.ts - start) / 1000).toFixed(0)} ms: ${(task.dur / 1000).toFixed(0)} ms (${top
      .map(([name, dur]) => `${name} ${(dur / 1000).toFixed(0)}`)
      .join(', ')})`;
  });
  const lazy = onMain.filter((e) => e.name === 'wasm.CompileLazy');
  return {
    blocking: long.reduce((sum, t) => sum + t.dur / 1000 - 50, 0),
    lazyMs: lazy.reduce((sum, e) => sum + e.dur / 1000, 0),
    lazyCount: lazy.length,
    tasks,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const path of paths) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await trace(path));
  const typical = results.find((r) => r.blocking === median(results.map((x) => x.blocking)));
  console.log(
    `${path}: blocking ${median(results.map((r) => r.blocking)).toFixed(0)} ms at 4× CPU, ` +
      `WASM compiled lazily: ${median(results.map((r) => r.lazyCount))} functions, ` +
      `${median(results.map((r) => r.lazyMs)).toFixed(0)} ms (median of ${runs})`,
  );
  for (const task of typical.tasks) console.log(`  task at ${task}`);
}
await browser.close();
