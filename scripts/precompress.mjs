// Writes `name.br` and `name.gz` beside every client file in a site's pkg folder, at
// the highest levels (brotli 11, gzip 9): the server sends them as they are to browsers
// that accept them (tower-http's ServeDir), instead of compressing each response on
// the fly at a lower level. For the release bundle only (`make dist`): a folder that a
// later build rewrites would keep stale copies.
// Usage: node scripts/precompress.mjs <site>/pkg
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/precompress.mjs <site>/pkg');
let raw = 0;
let brotli = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|wasm|css|json)$/.test(name)) continue;
  const data = readFileSync(join(dir, name));
  const br = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  writeFileSync(join(dir, `${name}.br`), br);
  writeFileSync(join(dir, `${name}.gz`), gzipSync(data, { level: 9 }));
  raw += data.length;
  brotli += br.length;
}
console.log(`precompressed ${dir}: ${raw.toLocaleString()} B raw, ${brotli.toLocaleString()} B brotli`);
