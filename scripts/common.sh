# Shared by the other scripts (sourced, not run). Sets the cache locations and the
# little helpers every step uses.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Build caches live outside the clone so that a fresh clone (CI) builds warm.
export AGF_CACHE_DIR="${AGF_CACHE_DIR:-$HOME/.cache/agent-factory}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$AGF_CACHE_DIR/target}"
# Tools this project installs (cargo-leptos, wasm-bindgen) go here, kept between runs.
export AGF_TOOLS_DIR="$AGF_CACHE_DIR/tools"
export PATH="$AGF_TOOLS_DIR/bin:$HOME/.cargo/bin:$PATH"
mkdir -p "$AGF_CACHE_DIR" "$AGF_TOOLS_DIR/bin"

if [ -t 1 ]; then BOLD=$'\e[1m'; RED=$'\e[31m'; GREEN=$'\e[32m'; RESET=$'\e[0m'; else BOLD=; RED=; GREEN=; RESET=; fi

step() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
ok() { printf '%s  ✓ %s%s\n' "$GREEN" "$*" "$RESET"; }
die() { printf '%s✗ %s%s\n' "$RED" "$*" "$RESET" >&2; exit 1; }

# Runs apt-get install for the packages that are missing; refreshes the index once.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  step "Installing Debian packages: ${missing[*]}"
  # A fresh machine has no package index yet; refresh it only when an install fails.
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}
