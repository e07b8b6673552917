// Retrieval quality (scripts/bench-retrieval.sh): the SQuAD passages of
// retrieval/squad-passages.json, each uploaded as a document to a knowledge base that
// embeds with MODEL, then every question searched (k = 10) by meaning, by words and
// both. A question is answered at rank r when the r-th chunk found is of its passage:
// recall@1, @5, @10 and the mean reciprocal rank within 10.
import { readFileSync } from 'node:fs';
import { api, KEY, pool, untilIndexed } from './api.mjs';

const MODEL = process.argv[2];
const set = JSON.parse(readFileSync(new URL('./retrieval/squad-passages.json', import.meta.url)));

const kb = await api('POST', '/v1/knowledge-bases', KEY, {
  name: `squad-${MODEL.replace(/[^a-z0-9]/g, '-')}-${Date.now()}`,
  embedding_model: MODEL,
  // The small model reads at most 256 of its tokens; a chunk of 200 of ours fits.
  chunk_tokens: 200,
  chunk_overlap: 20,
});
const started = performance.now();
const passageOf = new Map();
await pool(set.passages, 8, async (passage) => {
  const form = new FormData();
  form.append('file', new Blob([passage.text], { type: 'text/plain' }), `${passage.id}.txt`);
  const uploaded = await api('POST', `/v1/knowledge-bases/${kb.id}/documents`, KEY, null, form);
  passageOf.set(uploaded.document.id, passage.id);
});
const indexed = await untilIndexed(KEY, kb.id);
if (indexed.failed) throw new Error(`${indexed.failed} documents failed to index`);
const seconds = (performance.now() - started) / 1000;
console.log(`${MODEL}: ${set.passages.length} passages (${indexed.chunks} chunks) indexed in ${seconds.toFixed(1)} s; ${set.questions.length} questions`);

for (const retrieval of ['semantic', 'keyword', 'hybrid']) {
  const ranks = [];
  await pool(set.questions, 4, async ({ question, passage }) => {
    const hits = await api('POST', `/v1/knowledge-bases/${kb.id}/search`, KEY, { query: question, k: 10, retrieval });
    const at = hits.findIndex((hit) => passageOf.get(hit.chunk.document_id) === passage);
    ranks.push(at < 0 ? Infinity : at + 1);
  });
  const recall = (k) => (ranks.filter((r) => r <= k).length / ranks.length).toFixed(3);
  const mrr = (ranks.reduce((sum, r) => sum + (r <= 10 ? 1 / r : 0), 0) / ranks.length).toFixed(3);
  console.log(`  ${retrieval.padEnd(8)} recall@1 ${recall(1)}  recall@5 ${recall(5)}  recall@10 ${recall(10)}  MRR@10 ${mrr}`);
}
