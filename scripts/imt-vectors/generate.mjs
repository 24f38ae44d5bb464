// Known-answer vectors for the registry's 4-ary Poseidon Merkle tree,
// computed by an independent implementation: zk-kit's incremental Merkle tree
// (`@zk-kit/imt`, class IMT) with circomlib-compatible Poseidon from
// `poseidon-lite`.
//
// Usage:
//   node generate.mjs OUT.json           write the vectors to OUT.json
//   node generate.mjs --check OUT.json   exit 1 if OUT.json differs from a fresh run
//
// Output is deterministic: every leaf and update value is either a fixed
// constant or poseidon1 of a fixed counter.

import { readFileSync, writeFileSync } from "node:fs";
import { IMT } from "@zk-kit/imt";
import { poseidon1, poseidon2, poseidon4 } from "poseidon-lite";

// BN254 scalar field modulus (the field Poseidon and the circuits work in).
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const ARITY = 4;
const ZERO = 0n;

function assert(cond, msg) {
  if (!cond) {
    throw new Error(`assertion failed: ${msg}`);
  }
}

function installedVersion(name) {
  const url = new URL(`./node_modules/${name}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")).version;
}

// --- sanity: poseidon-lite is circomlib's Poseidon -------------------------
// Known answers from circomlib's own tests.
assert(
  poseidon2([1n, 2n]) === 7853200120776062878684798364095072458815029376092732009249414926327459813530n,
  "poseidon2([1, 2]) matches circomlib",
);
assert(
  poseidon4([1n, 2n, 3n, 4n]) === 18821383157269793795438455681495246036402687001665670618754263018637548127333n,
  "poseidon4([1, 2, 3, 4]) matches circomlib",
);

const hash = (children) => poseidon4(children);
const dec = (x) => BigInt(x).toString();

function canonical(x) {
  const v = BigInt(x);
  assert(v >= 0n && v < P, `value ${v} is a canonical field element`);
  return v;
}

// --- independent reference computations -----------------------------------

// zeros[i]: root of an empty subtree of height i.
function referenceZeros(depth) {
  const zeros = [ZERO];
  for (let i = 0; i < depth; i += 1) {
    const z = zeros[i];
    zeros.push(poseidon4([z, z, z, z]));
  }
  return zeros;
}

// Root of a depth-`depth` tree whose first leaves are `leaves` and the rest zero.
function referenceRoot(leaves, depth, zeros) {
  let level = leaves.map(BigInt);
  for (let l = 0; l < depth; l += 1) {
    const next = [];
    for (let i = 0; i < Math.max(1, Math.ceil(level.length / ARITY)); i += 1) {
      const children = [];
      for (let j = 0; j < ARITY; j += 1) {
        const k = i * ARITY + j;
        children.push(k < level.length ? level[k] : zeros[l]);
      }
      next.push(poseidon4(children));
    }
    level = next;
  }
  return level[0];
}

// Root implied by a proof in the recorded format: at each level the node is
// placed at position path_indices[l] among the three siblings[l].
function rootFromProof(leaf, siblings, pathIndices) {
  let node = BigInt(leaf);
  for (let l = 0; l < siblings.length; l += 1) {
    assert(siblings[l].length === ARITY - 1, "three siblings per level");
    const p = pathIndices[l];
    assert(Number.isInteger(p) && p >= 0 && p < ARITY, "path index in 0..3");
    const children = siblings[l].map(BigInt);
    children.splice(p, 0, node);
    node = poseidon4(children);
  }
  return node;
}

// --- leaf material ---------------------------------------------------------

// Pseudo-random-looking but deterministic field elements.
const derived = (counter) => poseidon1([BigInt(counter)]);

// Leaves for a tree: `fixed` maps an index to a chosen value; every other
// index gets poseidon1(base + index).
function makeLeaves(count, base, fixed) {
  const leaves = [];
  for (let k = 0; k < count; k += 1) {
    const v = k in fixed ? fixed[k] : derived(base + k);
    assert(v !== 0n, "leaves are nonzero");
    leaves.push(canonical(v));
  }
  return leaves;
}

// --- proof recording -------------------------------------------------------

function recordProof(imt, index, depth) {
  const proof = imt.createProof(index);
  assert(proof.leafIndex === index, "proof.leafIndex is the requested index");
  assert(imt.verifyProof(proof), `IMT.verifyProof accepts the proof for index ${index}`);
  assert(proof.siblings.length === depth && proof.pathIndices.length === depth, "one level per depth");
  let rest = index;
  for (let l = 0; l < depth; l += 1) {
    assert(proof.pathIndices[l] === rest % ARITY, "path_indices are the base-4 digits of the index");
    rest = Math.floor(rest / ARITY);
  }
  const recomputed = rootFromProof(proof.leaf, proof.siblings, proof.pathIndices);
  assert(recomputed === BigInt(proof.root), `independent recomputation of the proof root for index ${index}`);
  assert(BigInt(proof.root) === BigInt(imt.root), "proof root is the tree root");
  assert(BigInt(proof.leaf) === BigInt(imt.leaves[index]), "proof leaf is the stored leaf");
  return {
    index,
    leaf: dec(canonical(proof.leaf)),
    siblings: proof.siblings.map((level) => level.map((s) => dec(canonical(s)))),
    path_indices: proof.pathIndices.slice(),
    root: dec(canonical(proof.root)),
  };
}

// --- tree cases --------------------------------------------------------------

function buildTree(spec, zeros) {
  const { depth, leaves, proofIndices, updates } = spec;
  assert(leaves.length <= ARITY ** depth, "leaves fit in the tree");
  const imt = new IMT(hash, depth, ZERO, ARITY);
  assert(BigInt(imt.root) === zeros[depth], `empty depth-${depth} root is zeros[${depth}]`);

  const roots = [];
  for (let k = 0; k < leaves.length; k += 1) {
    imt.insert(leaves[k]);
    const root = BigInt(imt.root);
    assert(root === referenceRoot(leaves.slice(0, k + 1), depth, zeros), `reference root after ${k + 1} leaves`);
    roots.push(dec(canonical(root)));
  }

  const indices = proofIndices ?? leaves.map((_, i) => i);
  // createProof only covers inserted leaves; it throws for empty slots.
  for (const i of indices) {
    assert(i < leaves.length, "proof indices are inserted leaves");
  }
  if (leaves.length < ARITY ** depth) {
    let threw = false;
    try {
      imt.createProof(leaves.length);
    } catch {
      threw = true;
    }
    assert(threw, "IMT.createProof rejects an index past the last inserted leaf");
  }
  const proofs = indices.map((i) => recordProof(imt, i, depth));

  const current = leaves.slice();
  const updateRecords = [];
  for (const u of updates) {
    if (u.value === 0n) {
      imt.delete(u.index);
    } else {
      assert(u.value !== current[u.index], "update changes the leaf");
      imt.update(u.index, canonical(u.value));
    }
    current[u.index] = u.value;
    const root = BigInt(imt.root);
    assert(BigInt(imt.leaves[u.index]) === u.value, "leaf holds the updated value");
    assert(root === referenceRoot(current, depth, zeros), `reference root after update of index ${u.index}`);
    updateRecords.push({ index: u.index, value: dec(u.value), root: dec(canonical(root)) });
  }
  assert(updates.length > 0 && updates[updates.length - 1].value === 0n, "updates end with a deletion");

  const proofsAfterUpdates = indices.map((i) => recordProof(imt, i, depth));

  return {
    depth,
    leaves: leaves.map(dec),
    roots,
    proofs,
    updates: updateRecords,
    proofs_after_updates: proofsAfterUpdates,
  };
}

function specs() {
  return [
    {
      depth: 1,
      leaves: makeLeaves(1, 100, { 0: 1n }),
      updates: [
        { index: 0, value: P - 1n },
        { index: 0, value: derived(150) },
        { index: 0, value: 0n },
      ],
    },
    {
      depth: 1,
      leaves: makeLeaves(4, 200, { 0: 1n, 1: 2n, 2: 3n, 3: P - 1n }),
      updates: [
        { index: 3, value: P - 2n },
        { index: 0, value: derived(250) },
        { index: 2, value: 0n },
      ],
    },
    {
      depth: 2,
      leaves: makeLeaves(5, 300, { 0: P - 1n, 1: 1n, 2: P - 2n, 3: 2n }),
      updates: [
        { index: 4, value: 7n },
        { index: 1, value: derived(350) },
        { index: 0, value: derived(351) },
        { index: 3, value: 0n },
      ],
    },
    {
      depth: 3,
      leaves: makeLeaves(23, 400, { 0: 1n, 1: 2n, 2: 3n, 7: P - 1n, 16: P - 2n, 22: 4n }),
      updates: [
        { index: 5, value: P - 1n },
        { index: 22, value: derived(450) },
        { index: 16, value: 5n },
        { index: 0, value: 0n },
      ],
    },
    {
      depth: 4,
      leaves: makeLeaves(70, 500, { 0: P - 1n, 3: 1n, 4: 2n, 15: P - 2n, 16: 3n, 63: P - 3n, 64: 5n }),
      proofIndices: [0, 1, 3, 4, 15, 16, 35, 63, 64, 69],
      updates: [
        { index: 64, value: derived(550) },
        { index: 0, value: 9n },
        { index: 69, value: P - 1n },
        { index: 35, value: 0n },
      ],
    },
    {
      depth: 16,
      leaves: makeLeaves(9, 600, { 0: 1n, 3: P - 1n, 4: 2n, 8: P - 2n }),
      proofIndices: [0, 3, 4, 5, 8],
      updates: [
        { index: 8, value: derived(650) },
        { index: 4, value: P - 1n },
        { index: 3, value: 0n },
      ],
    },
  ];
}

function generate() {
  const imtVersion = installedVersion("@zk-kit/imt");
  const poseidonVersion = installedVersion("poseidon-lite");

  const zeros = referenceZeros(16);
  const z16 = new IMT(hash, 16, ZERO, ARITY);
  assert(z16.zeroes.length === 16, "IMT keeps one zero per level below the root");
  for (let i = 0; i < 16; i += 1) {
    assert(BigInt(z16.zeroes[i]) === zeros[i], `IMT zeroes[${i}] matches poseidon4 of four zeros[${i - 1}]`);
  }
  assert(BigInt(z16.root) === zeros[16], "empty depth-16 IMT root is zeros[16]");
  const zerosOut = [...z16.zeroes.map((z) => dec(canonical(z))), dec(canonical(z16.root))];

  const description = [
    `Known answers for a 4-ary Poseidon incremental Merkle tree, computed by the independent JavaScript implementation @zk-kit/imt ${imtVersion} (class IMT, arity 4, zero value 0) hashing with poseidon4 from poseidon-lite ${poseidonVersion} (circomlib-compatible Poseidon over the BN254 scalar field).`,
    "All field elements are canonical decimal strings.",
    "zeros[i] is the root of an empty subtree of height i: zeros[0] = zero_value, zeros[i+1] = poseidon4([zeros[i], zeros[i], zeros[i], zeros[i]]); zeros[0..15] are IMT's zeroes for depth 16 and zeros[16] is the root of an empty depth-16 IMT.",
    "For each tree, leaves are inserted left to right with IMT.insert; roots[k] is the root after k+1 insertions.",
    "proofs come from IMT.createProof(index) on the tree holding all leaves; level 0 is the leaf level; siblings[l] lists the other three children of the level-l node's parent, left to right, without the node itself; path_indices[l] (0..3) is the node's position among the four children, i.e. the l-th base-4 digit of index (least significant first); the parent is poseidon4 of siblings[l] with the node inserted at position path_indices[l]; root is the tree root.",
    "IMT.createProof rejects indices past the last inserted leaf, so proofs cover inserted leaves only.",
    "updates are applied in order after all insertions, with IMT.update(index, value), except value \"0\", which is IMT.delete(index) (resets the leaf to the zero value, as a revocation); root is the tree root after that step.",
    "proofs_after_updates are IMT.createProof on the tree after all updates.",
    "Every proof was checked with IMT.verifyProof and by recomputing its root independently, and every root by recomputing it from the leaves.",
    "Regenerate with `node scripts/imt-vectors/generate.mjs circuits/tests/vectors/zk_kit_imt_arity4.json` after `npm ci` in scripts/imt-vectors; `--check` compares instead of writing.",
  ].join(" ");

  const doc = {
    description,
    generator: "scripts/imt-vectors/generate.mjs",
    arity: ARITY,
    zero_value: dec(ZERO),
    zeros: zerosOut,
    trees: specs().map((s) => buildTree(s, zeros)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function main(argv) {
  const args = argv.slice(2);
  const check = args[0] === "--check";
  const files = check ? args.slice(1) : args;
  if (files.length !== 1 || files[0].startsWith("--")) {
    console.error("usage: node generate.mjs [--check] OUT.json");
    return 2;
  }
  const out = files[0];
  const text = generate();
  if (!check) {
    writeFileSync(out, text);
    console.log(`wrote ${out} (${Buffer.byteLength(text)} bytes)`);
    return 0;
  }
  let existing;
  try {
    existing = readFileSync(out, "utf8");
  } catch (e) {
    console.error(`${out}: cannot read (${e.code ?? e.message}); regenerate with: node generate.mjs ${out}`);
    return 1;
  }
  if (existing === text) {
    console.log(`${out} is up to date`);
    return 0;
  }
  const a = existing.split("\n");
  const b = text.split("\n");
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line += 1;
  console.error(`${out} differs from the generated vectors (first difference at line ${line + 1}):`);
  const show = (l) => (l === undefined ? "<end of file>" : JSON.stringify(l));
  console.error(`  file:      ${show(a[line])}`);
  console.error(`  generated: ${show(b[line])}`);
  console.error(`regenerate with: node generate.mjs ${out}`);
  return 1;
}

process.exitCode = main(process.argv);
