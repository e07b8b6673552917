// Knowledge-base figures (scripts/bench-knowledge.sh). `ingest`: DOCUMENTS Markdown
// documents (about 1,500 words each) uploaded 8 at a time, then polled until every one
// is ready: documents and chunks a second, upload to ready. `search`: QUERIES searches
// (4 at a time) of the demo team's 1,000,000-chunk knowledge base, then of the 100
// bench teams' 10,000-chunk ones, each through its team's key: p50 and p95 latency.
import { api, KEY, percentile, pool, untilIndexed } from './api.mjs';

const mode = process.argv[2];

const WORDS = 'refund shipping warranty battery charger parcel invoice account password billing plan upgrade export import team member role agent model token budget quota search document chunk answer source policy return exchange delivery express island weekday warehouse gift card software licence support ticket priority'.split(' ');
const word = (i) => WORDS[(i * 7919) % WORDS.length];

function markdown(n) {
  let text = `# Guide ${n}\n\n`;
  for (let section = 0; section < 10; section++) {
    text += `## Section ${section}\n\n`;
    for (let sentence = 0; sentence < 10; sentence++) {
      const words = Array.from({ length: 15 }, (_, i) => word(n * 1000 + section * 100 + sentence * 15 + i));
      text += words.join(' ') + '.\n';
    }
    text += '\n';
  }
  return text;
}

async function ingest() {
  const count = Number(process.env.DOCUMENTS ?? 200);
  const kb = await api('POST', '/v1/knowledge-bases', KEY, { name: `ingest-${Date.now()}` });
  const started = performance.now();
  await pool([...Array(count).keys()], 8, async (n) => {
    const form = new FormData();
    form.append('file', new Blob([markdown(n)], { type: 'text/markdown' }), `guide-${n}.md`);
    await api('POST', `/v1/knowledge-bases/${kb.id}/documents`, KEY, null, form);
  });
  const uploaded = (performance.now() - started) / 1000;
  const base = await untilIndexed(KEY, kb.id);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${count} documents (${base.chunks} chunks, ${base.failed} failed): uploaded in ${uploaded.toFixed(1)} s, all ready after ${seconds.toFixed(1)} s`);
  console.log(`  ${(count / seconds).toFixed(1)} documents/s, ${(base.chunks / seconds).toFixed(0)} chunks/s`);
}

async function timed(label, count, pick) {
  const latencies = [];
  const queries = [...Array(count).keys()];
  const started = performance.now();
  await pool(queries, 4, async (i) => {
    const { key, kb } = await pick(i);
    const query = `${word(i)} ${word(i + 3)} ${word(i + 11)} policy`;
    const begun = performance.now();
    const hits = await api('POST', `/v1/knowledge-bases/${kb}/search`, key, { query, k: 10 });
    latencies.push(performance.now() - begun);
    if (hits.length !== 10) throw new Error(`${label}: ${hits.length} hits, not 10`);
  });
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(`${label}: ${count} searches (k = 10, 4 at a time): p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, ${(count / seconds).toFixed(0)}/s; every one returned 10`);
}

async function search() {
  const count = Number(process.env.QUERIES ?? 400);
  const bases = await api('GET', '/v1/knowledge-bases', KEY);
  const big = bases.find((b) => b.name === 'big');
  await timed(`1,000,000 chunks in one knowledge base`, count, async () => ({ key: KEY, kb: big.id }));
  const teams = new Map();
  await timed('100 teams × 10,000 chunks', count, async (i) => {
    const n = 1 + (i % 100);
    const key = `agf_bench${String(n).padStart(38, '0')}`;
    if (!teams.has(n)) teams.set(n, (await api('GET', '/v1/knowledge-bases', key))[0].id);
    return { key, kb: teams.get(n) };
  });
}

await (mode === 'ingest' ? ingest() : search());
