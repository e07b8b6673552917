# What every benchmark script starts with (sourced): the cache locations and helpers,
# the toolchain, PostgreSQL and Redis — as `make run` sets them up.
source "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
source scripts/toolchain.sh
source scripts/services.sh
setup_toolchain
setup_services
