#!/usr/bin/env python3
"""Whole-process proving, two builds side by side: `zkhealth prove` from files, key loading
included, with the binary of an earlier commit and with this checkout's, run in alternation.

    python3 scripts/compare-prove.py --base da0e012 --base-depth 32 [--depth 16] [--rounds 15]

The earlier commit is checked out in a git worktree under target/compare/ and built there
(release) in a target directory of its own, target/compare/target, which later base commits
reuse. It cannot share this checkout's: cargo names a workspace crate's outputs from its path
within the workspace, so the worktree's build would overwrite this checkout's, and this
checkout's sources, older than those outputs, would then look up to date. This checkout's binary
is built with `cargo build --release -p zkhealth-cli`; the two binaries must differ. Each binary runs its own
development setup at its depth (`--base-depth` for the earlier commit, the same as `--depth`
unless given: a commit with the binary registry tree compares at depth 32 with depth 16 of the
4-ary tree, both 2^32 leaves). The holder's secret, the record, the policy and the challenge are
made once with this checkout's binary; each binary issues the credential into its own registry
and takes its path and roots from it. Each round then runs the base's `prove` and this checkout's, in an order that
alternates from round to round, and records per process the wall time, the CPU time (user +
system) and the peak resident memory (from wait4). The medians are printed, with the ratio of
each median and the median of the per-round wall-time ratios. Every proof is verified with the
binary that made it.

Runs on loopback files only; bounded by --rounds.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "NL-RIVM"
RECORD = (
    '{"schema": "vaccination", "disease": "840539006", "vaccine": "J07BX03", '
    '"product": "EU/1/20/1528", "manufacturer": "ORG-100030215", "dose_number": 2, '
    '"total_doses": 2, "date": "2026-09-22", "country": "NL", '
    '"dob": {"earliest": 19900412, "latest": 19900412}}'
)


def run(cmd, **kw):
    """Runs a command, failing loudly with its output."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def build_base(commit: str, target: Path) -> Path:
    """The release binary of `commit`, built in a worktree with the base builds' own target
    directory `target`."""
    out = ROOT / "target" / "compare" / f"zkhealth-{commit}"
    if out.exists():
        return out
    tree = ROOT / "target" / "compare" / f"tree-{commit}"
    if not tree.exists():
        run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit])
    run(
        ["cargo", "build", "--release", "-p", "zkhealth-cli"],
        cwd=tree,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)},
    )
    shutil.copy2(target / "release" / "zkhealth", out)
    return out


def timed(cmd):
    """(wall s, cpu s, peak RSS MiB) of one process."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    err = p.stderr.read().decode() if p.stderr else ""
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the earlier commit to compare against")
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--base-depth", type=int, help="the earlier commit's depth (default --depth)")
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    if not 1 <= args.rounds <= 200:
        sys.exit("--rounds must be between 1 and 200")

    target = ROOT / "target"
    base_target = target / "compare" / "target"
    base_commit = run(["git", "-C", str(ROOT), "rev-parse", "--short", args.base]).strip()
    head = run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]).strip()
    dirty = run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"]).strip()
    print(f"building {base_commit} …", file=sys.stderr)
    base = build_base(base_commit, base_target)
    print("building this checkout …", file=sys.stderr)
    run(["cargo", "build", "--release", "-p", "zkhealth-cli"], cwd=ROOT)
    new = target / "release" / "zkhealth"
    if base.read_bytes() == new.read_bytes():
        sys.exit(f"{base} and {new} are the same binary: nothing to compare")

    work = target / "compare" / f"work-d{args.depth}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    w = lambda name: str(work / name)  # noqa: E731
    (work / "record.json").write_text(RECORD)
    run([new, "holder-key", "--out", w("secret.json"), "--key-out", w("holder-key.txt")])
    run([new, "policy", "standard-vaccination", "--issuer", ISSUER, "--disclose", "country",
         "--out", w("policy.json")])
    run([new, "challenge", "--out", w("challenge.txt")])

    binaries = {"base": base, "new": new}
    depths = {"base": str(args.base_depth or args.depth), "new": str(args.depth)}
    prove = {}
    for name, binary in binaries.items():
        d = depths[name]
        run([binary, "issue", "--registry", w(f"reg-{name}.redb"), "--depth", d,
             "--issuer", ISSUER, "--record", w("record.json"),
             "--holder-key", "@" + w("holder-key.txt"), "--expiry", "2030-06-01",
             "--out", w(f"credential-{name}.json")])
        run([binary, "path", "--registry", w(f"reg-{name}.redb"), "--index", "0",
             "--out", w(f"path-{name}.json")])
        run([binary, "roots", "--registry", w(f"reg-{name}.redb"), "--out", w(f"roots-{name}.json")])
        keys = work / f"keys-{name}"
        print(f"setup at depth {d} with {name} …", file=sys.stderr)
        out = run([binary, "setup", "--depth", d, "--out-dir", str(keys)])
        artifact = next(keys.glob(f"*-depth-{d}.pk"))
        vk = next(keys.glob(f"*-depth-{d}.vk"))
        pk_id = next(
            line.split()[-1] for line in out.splitlines() if "artifact" in line.lower() and "0x" in line
        )
        common = ["--credential", w(f"credential-{name}.json"), "--secret", w("secret.json"),
                  "--path", w(f"path-{name}.json"), "--policy", w("policy.json"),
                  "--challenge", "@" + w("challenge.txt"), "--verifier", "checkpoint-AMS",
                  "--event", "compare", "--roots", w(f"roots-{name}.json")]
        out_file = w(f"presentation-{name}.json")
        prove[name] = [binary, "prove", "--pk", str(artifact), "--pk-id", pk_id, *common,
                       "--out", out_file]
        prove[name + "-verify"] = [binary, "verify", "--vk", str(vk), "--policy", w("policy.json"),
                                   "--roots", w(f"roots-{name}.json"), "--presentation", out_file,
                                   "--challenge", "@" + w("challenge.txt"),
                                   "--verifier", "checkpoint-AMS", "--event", "compare"]
        artifact_size = artifact.stat().st_size
        print(f"{name}: depth {d}, artifact {artifact.name}, {artifact_size / 2**20:.1f} MiB",
              file=sys.stderr)

    # One warm-up each (page cache), checked by verification.
    for name in binaries:
        timed(prove[name])
        run(prove[name + "-verify"])

    results = {name: [] for name in binaries}
    for r in range(args.rounds):
        order = ["base", "new"] if r % 2 == 0 else ["new", "base"]
        for name in order:
            results[name].append(timed(prove[name]))
    for name in binaries:
        run(prove[name + "-verify"])

    med = lambda xs: statistics.median(xs)  # noqa: E731
    label = {"base": f"{base_commit}", "new": f"{head}{' + changes' if dirty else ''}"}
    label = {k: f"{v} (depth {depths[k]})" for k, v in label.items()}
    print(f"\nzkhealth prove, whole process, {args.rounds} rounds in alternation"
          f" ({os.cpu_count()} CPUs)")
    print("| binary | wall (median, min–max) | CPU (median) | peak RSS (median) |")
    print("|---|---:|---:|---:|")
    for name in binaries:
        walls = [x[0] for x in results[name]]
        cpus = [x[1] for x in results[name]]
        rss = [x[2] for x in results[name]]
        print(f"| {label[name]} | {med(walls):.3f} s ({min(walls):.3f}–{max(walls):.3f}) "
              f"| {med(cpus):.3f} s | {med(rss):.0f} MiB |")
    per_round = [n[0] / b[0] for n, b in zip(results["new"], results["base"])]
    ratio = lambda i: med([x[i] for x in results["new"]]) / med([x[i] for x in results["base"]])  # noqa: E731
    print(f"\nnew / base: wall {ratio(0):.2f} (median of per-round ratios {med(per_round):.2f}), "
          f"CPU {ratio(1):.2f}, peak RSS {ratio(2):.2f}")


if __name__ == "__main__":
    main()
