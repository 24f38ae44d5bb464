#!/bin/sh
# SPDX-License-Identifier: MIT OR Apache-2.0
# Builds evm/artifacts/{ZkhRegistry,Groth16Verifier,ZkhPresentation}.json (ABI and bytecode, embedded
# by the zkhealth-evm crate) with the pinned solc; installs the npm tools first if needed.
set -eu
cd "$(dirname "$0")"
if [ ! -d node_modules/solc ]; then
    npm ci --no-audit --no-fund
fi
node compile.mjs "$@"
