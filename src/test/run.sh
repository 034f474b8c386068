#!/usr/bin/env bash
# Runs every test: the unit tests of all modules, then the end-to-end failover
# tests on real PostgreSQL 15 pairs, one container per node (Testcontainers).
# prepare.sh installs and starts Docker and builds the node image if needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash src/test/docker/prepare.sh
export TESTCONTAINERS_RYUK_DISABLED=true
exec mvn -B verify "$@"
