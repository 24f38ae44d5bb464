// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Compiles the zkhealth contracts with the pinned npm `solc` (standard-JSON API) and writes one
// artifact per contract: {"abi": [...], "bytecode": "0x...", "deployedBytecode": "0x...",
// "solc": "<version>"}. Settings are fixed so that the same sources always give the same files.
//
// Usage:
//   node compile.mjs                       # the contracts of src/ -> ../evm/artifacts/*.json
//   node compile.mjs [--out-dir DIR] [--source FILE]... [--contract NAME]...
//
// Every --source is compiled under its base name; imports are resolved by base name in the
// directories of the given sources, then in contracts/src. Without --source, the sources of
// src/ named after the shipped contracts are compiled (the claim circuit's verifier through
// ZkhClaims's import); without --contract, ZkhRegistry, Groth16Verifier, ZkhPresentation and
// ZkhClaims are written. The default output directory is the evm crate's artifacts/, whose files the crate
// embeds. Errors go to stderr with exit code 1.

import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");

const SOLC_VERSION = "0.8.37";
const HERE = dirname(fileURLToPath(import.meta.url));
const SRC_DIR = join(HERE, "src");
const CONTRACTS = ["ZkhRegistry", "Groth16Verifier", "ZkhPresentation", "ZkhClaims"];

const SETTINGS = {
  optimizer: { enabled: true, runs: 10000 },
  evmVersion: "cancun",
  metadata: { bytecodeHash: "none" },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function fail(message) {
  process.stderr.write(`compile.mjs: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { outDir: join(HERE, "..", "evm", "artifacts"), sources: [], contracts: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    switch (flag) {
      case "--out-dir":
        args.outDir = resolve(value);
        break;
      case "--source":
        args.sources.push(resolve(value));
        break;
      case "--contract":
        args.contracts.push(value);
        break;
      default:
        fail(`unknown argument ${flag}`);
    }
    i++;
  }
  if (args.sources.length === 0) args.sources.push(...CONTRACTS.map((c) => join(SRC_DIR, `${c}.sol`)));
  if (args.contracts.length === 0) args.contracts.push(...CONTRACTS);
  return args;
}

function main() {
  const version = solc.version();
  if (!version.startsWith(`${SOLC_VERSION}+`)) {
    fail(`solc ${SOLC_VERSION} expected, found ${version} (run npm ci in contracts/)`);
  }
  const args = parseArgs(process.argv.slice(2));
  const searchDirs = [...new Set([...args.sources.map((s) => dirname(s)), SRC_DIR])];

  const sources = {};
  for (const path of args.sources) {
    const name = basename(path);
    if (sources[name] !== undefined) fail(`two sources named ${name}`);
    sources[name] = { content: readFileSync(path, "utf8") };
  }

  const findImports = (name) => {
    for (const dir of searchDirs) {
      const path = join(dir, basename(name));
      if (existsSync(path)) return { contents: readFileSync(path, "utf8") };
    }
    return { error: `import ${name} not found in ${searchDirs.join(", ")}` };
  };

  const input = { language: "Solidity", sources, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const diagnostics = output.errors ?? [];
  for (const w of diagnostics.filter((e) => e.severity !== "error")) {
    process.stderr.write(`${w.formattedMessage ?? w.message}\n`);
  }
  const errors = diagnostics.filter((e) => e.severity === "error");
  if (errors.length > 0) fail(errors.map((e) => e.formattedMessage ?? e.message).join("\n"));

  mkdirSync(args.outDir, { recursive: true });
  for (const name of args.contracts) {
    const found = Object.values(output.contracts ?? {})
      .map((file) => file[name])
      .filter((c) => c !== undefined);
    if (found.length !== 1) fail(`contract ${name}: ${found.length} definitions in the output`);
    const [contract] = found;
    const artifact = {
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
      solc: SOLC_VERSION,
    };
    writeFileSync(join(args.outDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
  }
}

main();
