#!/usr/bin/env python3
"""What the browser downloads: the islands' WASM main module, the lazy islands'
chunks, and the total a first visit to each kind of page fetches (the README's figures).

Run after a release build (`make run` or `bash scripts/wasm-size.sh`). Exits non-zero
when the split left the page data in the main module (see SPLIT_DATA_ROOM in
frontend/src/lib.rs), so a change that undoes it cannot slip by unnoticed.
"""

import gzip
import json
import sys
from pathlib import Path

PKG = Path(sys.argv[1] if len(sys.argv) > 1 else "target/site/pkg")
MAIN = PKG / "agent-factory.wasm"
# Constant data the main module's own code needs is ~10 KB; all pages' is ~150 KB.
MAX_MAIN_DATA = 48 * 1024

# First visits worth knowing: the lazy islands each page hydrates (the main module holds
# the small eager ones: the dashboard's refresh, the run form's shortcut, a copy button,
# a purchase waiting for Stripe). The editor fetches the JSON Schema checker once a spec
# has a schema ("+ a schema"). Pages that render no island load no client at all (the
# islands loader finds none): the landing, sign-in and sign-up pages, the agents list,
# the marketplace and its templates, and the settings pages but for a key, a secret or
# an invitation link shown once (its copy button).
PAGES = {
    "dashboard": [],
    "run console": [],
    "run, finished": [],
    "run, running": ["live_run"],
    "new agent, agent editor": ["spec_editor"],
    "  + a schema": ["spec_editor", "check_in_chunk"],
    "a key shown once": [],
}
CLIENT_FREE = "landing, sign-in, agents, marketplace, settings"


def sizes(path):
    raw = path.read_bytes()
    return len(raw), len(gzip.compress(raw, 9))


def leb128(data, at):
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def data_section_len(path):
    wasm = path.read_bytes()
    at = 8
    while at < len(wasm):
        section, at = wasm[at], at + 1
        length, at = leb128(wasm, at)
        if section == 11:
            return length
        at += length
    return 0


def kb(n):
    return f"{n / 1000:,.0f} KB"


def main():
    if not MAIN.exists():
        sys.exit(f"{MAIN} is missing: build first (make run, or cargo leptos build --release --split)")
    manifest = json.loads((PKG / "__wasm_split_manifest.json").read_text())
    islands = {key.rsplit("_", 1)[0].removesuffix("_loader"): files for key, files in manifest.items()}

    main_raw, main_gz = sizes(MAIN)
    main_data = data_section_len(MAIN)
    chunks = sorted(p for p in PKG.glob("*.wasm") if p != MAIN)
    chunk_sizes = {p.stem: sizes(p) for p in chunks}
    glue = [PKG / "agent-factory.js", *PKG.glob("__wasm_split*.js")]
    glue_gz = sum(sizes(p)[1] for p in glue)

    print(f"main module      {main_raw:>9,} B raw {main_gz:>9,} B gzip  (constant data {main_data:,} B)")
    print(f"chunks ({len(chunks):>3})     {sum(r for r, _ in chunk_sizes.values()):>9,} B raw "
          f"{sum(g for _, g in chunk_sizes.values()):>9,} B gzip")
    print(f"JS glue + loader {sum(sizes(p)[0] for p in glue):>9,} B raw {glue_gz:>9,} B gzip")
    print("first visit, WASM + JS, gzip:")
    print(f"  {CLIENT_FREE}: none (no island, no client)")
    for page, needs in PAGES.items():
        files = set()
        for island in needs:
            files.update(islands[island])
        total = main_gz + glue_gz + sum(chunk_sizes[f][1] for f in files)
        print(f"  {page:<18} {kb(total):>8}  ({len(files)} chunks)")

    if main_data > MAX_MAIN_DATA:
        sys.exit(f"the main module holds {main_data:,} B of constant data: the split kept every "
                 "page's data there; give SPLIT_DATA_ROOM (frontend/src/lib.rs) more room")


if __name__ == "__main__":
    main()
