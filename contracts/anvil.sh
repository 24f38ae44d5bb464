#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# Runs a local anvil node (the version pinned in package.json) on 127.0.0.1, installing the npm
# tools first if needed. Extra arguments go to anvil, e.g. `contracts/anvil.sh --port 8545`.
set -eu
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/anvil ]; then
    npm ci --no-audit --no-fund
fi
exec node_modules/.bin/anvil --host 127.0.0.1 "$@"
