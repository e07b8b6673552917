// The editor's keystroke-to-error time (the README's figure): in /agents/new, the
// instructions box gets text naming an input that does not exist, then text that is
// fine, RUNS_KEYSTROKE times each; the time from the input event to the error shown (and to "The
// spec is valid." again) is measured inside the page, to the next painted frame.
// Prints the median and the 95th percentile. Run by scripts/bench-pages.sh.
//
// LEPTOS_SITE_ADDR: the server, with the demo account; RUNS_KEYSTROKE: how many of each (50).
// The browser tests' helpers: Debian's Chromium, the demo account's sign-in, and
// BASE_URL from LEPTOS_SITE_ADDR (bench-pages.sh sets it).
import { BASE_URL as base, launch, signedInContext } from '../../end2end/tests/helpers.mjs';

const runs = Number(process.env.RUNS_KEYSTROKE ?? 50);

const browser = await launch();
const page = await (await signedInContext(browser)).newPage();
await page.goto(`${base}/agents/new`);
await page.waitForSelector('html[data-hydrated="true"]');
const box = await page.getByLabel('What the agent should do').elementHandle();

/** Types `text` into the box at once; resolves with the milliseconds until `expect` is on screen. */
const time = (text, expect) =>
  box.evaluate(
    (el, [text, expect]) =>
      new Promise((resolve) => {
        const started = performance.now();
        el.value = text;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        const look = () =>
          document.body.textContent.includes(expect)
            ? requestAnimationFrame(() => resolve(performance.now() - started))
            : requestAnimationFrame(look);
        look();
      }),
    [text, expect],
  );

const toError = [];
const toValid = [];
for (let i = 0; i < runs; i++) {
  toError.push(await time(`Explain {{input.missing${i}}} briefly.`, `{{input.missing${i}}}\`: no input is named that`));
  toValid.push(await time(`Explain this briefly, take ${i}.`, 'The spec is valid.'));
}
await browser.close();

const pct = (list, p) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1);
};
console.log(`keystroke to error shown: median ${pct(toError, 50)} ms, p95 ${pct(toError, 95)} ms (n = ${runs})`);
console.log(`keystroke to valid again: median ${pct(toValid, 50)} ms, p95 ${pct(toValid, 95)} ms (n = ${runs})`);
