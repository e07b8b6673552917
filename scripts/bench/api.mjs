// What the benchmarks' Node scripts share: the REST API called with a key, a fixed
// number of calls in flight, percentiles.
export const BASE = process.env.BASE;
export const KEY = process.env.AGF_KEY;

export async function api(method, path, key, body, form) {
  const response = await fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: form ?? (body ? JSON.stringify(body) : undefined),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Runs `work` over `items`, `concurrency` at a time.
export async function pool(items, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

// Polls the knowledge base until nothing in it is being indexed.
export async function untilIndexed(key, id) {
  for (;;) {
    const base = await api('GET', `/v1/knowledge-bases/${id}`, key);
    if (base.indexing === 0) return base;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
