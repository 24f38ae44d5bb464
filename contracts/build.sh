#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# Renders src/Groth16Verifier.sol and src/ClaimGroth16Verifier.sol from
# templates/Groth16Verifier.sol.in and each circuit's public inputs (zkhealth-evm's
# render_verifier example), then builds
# evm/artifacts/{ZkhRegistry,Groth16Verifier,ZkhPresentation,ZkhClaims}.json (ABI and bytecode,
# embedded by the zkhealth-evm crate) with the pinned solc; installs the npm tools first if
# needed.
set -eu
cd "$(dirname "$0")"
cargo run --quiet -p zkhealth-evm --example render_verifier
if [ ! -d node_modules/solc ]; then
    npm ci --no-audit --no-fund
fi
node compile.mjs "$@"
