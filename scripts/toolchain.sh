# Makes the build toolchain work with no network but the package registries (sourced).
#
# After it: cargo builds native code and wasm32, `cargo leptos` is on PATH with
# wasm-bindgen (the exact version in Cargo.lock), Tailwind and wasm-opt (npm), and
# LEPTOS_LIB_ARGS / WASM_CARGO_ARGS hold the extra arguments the WASM build needs
# (through cargo-leptos / plain cargo). Every cargo-leptos build splits the WASM: each
# page is a lazy route in a chunk of its own (`--split`; the client cannot load
# without it).

# Debian's Rust (1.96, wasm32 std sources included) builds our tools and, when rustup
# cannot provide a wasm32 target, the WASM itself.
ensure_debian_rust() {
  apt_install rustc-web cargo-web rust-web-src lld-22
}

# Picks the toolchain for the project build: rustup's own wasm32 target when it is (or
# can be) installed, otherwise Debian's rustc-web building std for wasm32 from source.
choose_rust() {
  LEPTOS_LIB_ARGS=(--split)
  WASM_CARGO_ARGS=()
  # AGF_RUST=debian forces the fallback (to test it on a machine that has rustup's).
  # Release builds rebuild std for wasm32 (see release_build), hence rust-src.
  if [ "${AGF_RUST:-}" != debian ] && command -v rustup >/dev/null && {
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
      timeout 180 rustup target add wasm32-unknown-unknown >/dev/null 2>&1
  } && {
    rustup component list --installed 2>/dev/null | grep -q '^rust-src' ||
      timeout 180 rustup component add rust-src >/dev/null 2>&1
  }; then
    rustup component add clippy rustfmt >/dev/null 2>&1 || true
    ok "Rust $(rustc --version | cut -d' ' -f2) with rustup's wasm32 target"
    return
  fi
  ensure_debian_rust
  apt_install rust-web-clippy rustfmt-web
  export PATH="/usr/bin:$PATH"
  export RUSTUP_TOOLCHAIN=""
  # -Zbuild-std is unstable; Debian's stable compiler allows it with this switch.
  export RUSTC_BOOTSTRAP=1
  WASM_CARGO_ARGS=(-Zbuild-std=std,panic_abort)
  LEPTOS_LIB_ARGS=(--split --lib-cargo-args=-Zbuild-std=std,panic_abort)
  ok "Debian Rust $(/usr/bin/rustc --version | cut -d' ' -f2), building std for wasm32"
}

# Builds the app for release (`make run`, the benchmarks). The WASM gives up panic
# messages for size: std is rebuilt for wasm32 with panics that abort at once, and
# neither `Debug` formatting nor panic locations are compiled in — 10 % off the main
# module. These are -Z flags, hence RUSTC_BOOTSTRAP; the target-specific variable
# leaves native code alone (cargo-leptos adds its own flags to it). Debug builds keep
# panic messages in the browser console.
release_build() {
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none"
  cargo leptos build --release --split --lib-cargo-args=-Zbuild-std=std,panic_abort "$@"
}

# Installs a crate's binary into the project's tool folder with Debian's cargo (the
# newest Rust here; RUSTC too, or cargo would call rustup's older rustc from PATH),
# without the fat LTO of their release profiles, which costs close
# to an hour on two cores for no benefit to a build tool.
install_tool() {
  local crate="$1" version="$2"
  shift 2
  ensure_debian_rust
  step "Installing $crate $version (one time, several minutes)"
  CARGO_TARGET_DIR="$AGF_CACHE_DIR/tool-build" \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=64 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    RUSTC=/usr/bin/rustc RUSTUP_TOOLCHAIN="" /usr/bin/cargo install "$crate" --version "$version" \
    --root "$AGF_TOOLS_DIR" "$@" || die "could not install $crate $version"
}

CARGO_LEPTOS_VERSION=0.3.11

ensure_cargo_leptos() {
  if ! cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    # --locked: its own lock file; no_downloads: it must use the tools we provide.
    install_tool cargo-leptos "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  ok "cargo-leptos $CARGO_LEPTOS_VERSION"
}

ensure_wasm_bindgen() {
  local version
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)"
  [ -n "$version" ] || die "wasm-bindgen is not in Cargo.lock"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $version\$"; then
    # Not --locked: the CLI's own lock file pins crates newer than its MSRV allows.
    install_tool wasm-bindgen-cli "$version"
  fi
  ok "wasm-bindgen $version"
}

ensure_node_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ] ||
    [ package.json -nt node_modules/.package-lock.json ]; then
    step "Installing Tailwind, wasm-opt, playwright-core, the OpenAI SDK and autocannon from npm"
    # `npm install` (not `npm ci`): npm 11 rejects its own lock file for optional
    # platform packages; with the lock file present the pinned versions are installed.
    npm install --no-audit --no-fund --loglevel=error || die "npm install failed"
  fi
  # cargo-leptos finds wasm-opt in node_modules/.bin; ours remembers its results.
  ln -sfn ../../scripts/wasm-opt-cached node_modules/.bin/wasm-opt
  ok "Tailwind $(node_modules/.bin/tailwindcss --help 2>/dev/null | head -1 | grep -o 'v[0-9.]*')"
}

setup_toolchain() {
  step "Checking the toolchain"
  choose_rust
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_node_tools
}
