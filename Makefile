.PHONY: run test dist

# Installs what is missing, starts PostgreSQL and Redis if needed, builds and serves
# the app at http://127.0.0.1:3000.
run:
	@bash scripts/run.sh

# Format check, clippy, unit, integration and browser tests, with a summary.
test:
	@bash scripts/test.sh

# The release bundle (server, site, migrations, systemd units) in dist/.
dist:
	@bash scripts/dist.sh
