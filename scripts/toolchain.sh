# Makes the build toolchain work with no network but the package registries (sourced).
#
# After it: cargo builds native code and wasm32, `cargo leptos` is on PATH with
# wasm-bindgen (the exact version in Cargo.lock), Tailwind and wasm-opt (npm), and
# LEPTOS_LIB_ARGS / WASM_CARGO_ARGS hold the extra arguments the WASM build needs
# (through cargo-leptos / plain cargo). Every cargo-leptos build splits the WASM: each
# lazy island is a chunk of its own (`--split`; the client cannot load without it).

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

# Builds what `make run` serves (and the page benchmark measures): what a browser
# downloads for release (small, fast on a phone), the server for development, as
# `make test` builds it. A release server costs a new machine another ten minutes of
# optimising our own crates, for a speed a local demo does not notice (`make dist`
# builds the release server). The two build side by side; the server is
# $CARGO_TARGET_DIR/debug/server, the site target/site.
local_build() {
  (release_build --frontend-only) &
  local client_build=$!
  cargo leptos build --split --server-only || {
    kill "$client_build" 2>/dev/null
    return 1
  }
  wait "$client_build"
}

# Installs a crate's binary into the project's tool folder with Debian's cargo (the
# newest Rust here; RUSTC too, or cargo would call rustup's older rustc from PATH).
# Their release profiles (fat LTO, opt-level 3) cost close to an hour on two cores;
# PROFILE picks what the tool needs instead: `dev` (no optimisation, no debug info)
# for cargo-leptos, which only orchestrates, `quick` (opt-level 1) for wasm-bindgen,
# which rewrites every WASM module we build.
# The build runs in the background, each tool in a target folder of its own, so that
# the tools build side by side (each build's single-threaded stretches — build scripts,
# the last crates, the link — leave a core free) and npm installs meanwhile;
# wait_for_tools collects them.
TOOL_JOBS=()
install_tool() {
  local crate="$1" version="$2" profile="$3"
  shift 3
  ensure_debian_rust
  local args=()
  case "$profile" in
  dev) args=(--debug --config profile.dev.debug=false --config profile.dev.incremental=false) ;;
  quick) args=(--config profile.release.lto=false --config profile.release.codegen-units=64
    --config profile.release.opt-level=1 --config profile.release.debug=false) ;;
  esac
  local log="$AGF_CACHE_DIR/logs/install-$crate.log"
  mkdir -p "$AGF_CACHE_DIR/logs"
  step "Building $crate $version in the background (one time, several minutes; log: $log)"
  (
    started=$SECONDS
    CARGO_TARGET_DIR="$AGF_CACHE_DIR/tool-build/$crate" \
      RUSTC=/usr/bin/rustc RUSTUP_TOOLCHAIN="" /usr/bin/cargo install "$crate" --version "$version" \
      --root "$AGF_TOOLS_DIR" "${args[@]}" "$@"
    echo "$crate $version built in $(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"
  ) >"$log" 2>&1 &
  TOOL_JOBS+=("$!:$crate:$log")
}

wait_for_tools() {
  local job pid crate log
  for job in "${TOOL_JOBS[@]}"; do
    IFS=: read -r pid crate log <<<"$job"
    if wait "$pid"; then
      ok "$(tail -n 1 "$log")"
    else
      tail -n 30 "$log" >&2
      die "could not install $crate (the whole log: $log)"
    fi
  done
  TOOL_JOBS=()
}

CARGO_LEPTOS_VERSION=0.3.11

ensure_cargo_leptos() {
  if ! cargo-leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    # --locked: its own lock file; no_downloads: it must use the tools we provide.
    install_tool cargo-leptos "$CARGO_LEPTOS_VERSION" dev --locked --features no_downloads
  else
    ok "cargo-leptos $CARGO_LEPTOS_VERSION"
  fi
}

ensure_wasm_bindgen() {
  local version
  version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)"
  [ -n "$version" ] || die "wasm-bindgen is not in Cargo.lock"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $version\$"; then
    # Not --locked: the CLI's own lock file pins crates newer than its MSRV allows.
    install_tool wasm-bindgen-cli "$version" quick
  else
    ok "wasm-bindgen $version"
  fi
}

ensure_node_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ] ||
    [ package.json -nt node_modules/.package-lock.json ]; then
    step "Installing Tailwind, wasm-opt, playwright-core, the OpenAI SDK and autocannon from npm"
    # Exactly what the lock file says, and the lock file left as it is. (It lists the
    # optional platform packages of every platform, as npm 11 writes it; an older lock
    # without them made `npm ci` refuse and `npm install` rewrite it.)
    npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed"
  fi
  # cargo-leptos finds wasm-opt in node_modules/.bin; ours remembers its results.
  ln -sfn ../../scripts/wasm-opt-cached node_modules/.bin/wasm-opt
  ok "Tailwind $(node_modules/.bin/tailwindcss --help 2>/dev/null | head -1 | grep -o 'v[0-9.]*')"
}

# The API contract checks `make test` runs (see server/tests/api/contract.rs), from PyPI
# into a virtual environment of their own, pinned.
SCHEMATHESIS_VERSION=4.32.5
OPENAPI_SPEC_VALIDATOR_VERSION=0.9.0
# And the Kubernetes manifests' check (scripts/check-deploy.sh), schemas bundled.
KUBERNETES_VALIDATE_VERSION=1.37.0
# And the official OpenAI and Anthropic SDKs, which the gateway's users call it with
# (server/tests/sdk).
OPENAI_PYTHON_VERSION=3.63.0
ANTHROPIC_PYTHON_VERSION=2.17.0

ensure_contract_tools() {
  local venv="$AGF_CACHE_DIR/python"
  # Read whole before matching: with pipefail, `grep -q` closing the pipe early would
  # fail the check and reinstall every time.
  local have_schemathesis have_validators
  have_schemathesis="$("$venv/bin/schemathesis" --version 2>/dev/null || true)"
  have_validators="$("$venv/bin/pip" show openapi-spec-validator kubernetes-validate openai anthropic 2>/dev/null || true)"
  if [[ "$have_schemathesis" != *"$SCHEMATHESIS_VERSION"* ]] ||
    ! grep -q "^Version: $OPENAPI_SPEC_VALIDATOR_VERSION$" <<<"$have_validators" ||
    ! grep -q "^Version: $KUBERNETES_VALIDATE_VERSION$" <<<"$have_validators" ||
    ! grep -q "^Version: $OPENAI_PYTHON_VERSION$" <<<"$have_validators" ||
    ! grep -q "^Version: $ANTHROPIC_PYTHON_VERSION$" <<<"$have_validators"; then
    step "Installing schemathesis, openapi-spec-validator, kubernetes-validate and the OpenAI and Anthropic SDKs from PyPI"
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -m venv "$venv" || die "could not create a Python virtual environment (python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "openai==$OPENAI_PYTHON_VERSION" \
      "anthropic==$ANTHROPIC_PYTHON_VERSION" ||
      die "could not install the contract-testing tools from PyPI"
  fi
  export AGF_SCHEMATHESIS="$venv/bin/schemathesis"
  export AGF_OPENAPI_SPEC_VALIDATOR="$venv/bin/openapi-spec-validator"
  export AGF_KUBERNETES_VALIDATE="$venv/bin/kubernetes-validate"
  export AGF_PYTHON="$venv/bin/python"
  ok "schemathesis $SCHEMATHESIS_VERSION, openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, openai $OPENAI_PYTHON_VERSION, anthropic $ANTHROPIC_PYTHON_VERSION"
}

setup_toolchain() {
  step "Checking the toolchain"
  choose_rust
  ensure_cargo_leptos
  ensure_wasm_bindgen
  ensure_node_tools
  wait_for_tools
}
