#!/usr/bin/env python3
"""Checks the performance floors against the last criterion run in benches/target/criterion.

Run the benches first (both in one session, so that the ratios compare runs made side by side):

    cd benches
    cargo bench --ignore-rust-version --bench body_hash
    cargo bench --ignore-rust-version --bench verify
    cargo bench --ignore-rust-version --bench corpus
    python3 floors.py            # add --openssl to time `openssl speed rsa2048` for the backend floor
    python3 floors.py --milter   # only the milter floors, after `cargo bench --ignore-rust-version --bench milter`
    python3 floors.py --arc      # only the ARC floors, after `cargo bench --ignore-rust-version --bench arc`

The body-hash floors hold on every path of the relaxed scan. `python3 floors.py --paths` runs the body_hash bench
once per path (DKIM_SCAN_PATH=avx512, avx2, portable; a path this processor lacks is named and skipped) and checks
each run's floors before the next; the verify floors then come from the last `verify` run as above.

Each line names the floor, the measured ratio or difference, and PASS or FAIL; the exit code is the number of
floors that failed (or 100 when a benchmark has no result yet).
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent / "target" / "criterion"


def mean_ns(*path: str) -> float:
    """Mean time of one benchmark in nanoseconds (criterion's point estimate)."""
    f = ROOT.joinpath(*path, "new", "estimates.json")
    try:
        return json.loads(f.read_text())["mean"]["point_estimate"]
    except FileNotFoundError:
        print(f"no result for {'/'.join(path)}: run the benches first", file=sys.stderr)
        sys.exit(100)


def openssl_verify_ns() -> float | None:
    """Per-verify time of `openssl speed rsa2048` (verify/s column), or None without openssl."""
    if shutil.which("openssl") is None:
        return None
    out = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "rsa2048"], capture_output=True, text=True, check=True
    ).stdout
    # "rsa 2048 bits 0.000197s 0.000012s   5076.4  83577.1"
    m = re.search(r"rsa\s+2048 bits\s+\S+\s+\S+\s+\S+\s+(\S+)", out)
    return 1e9 / float(m.group(1)) if m else None


PATHS = ("avx512", "avx2", "portable")


def body_hash_floors(floor, rows, path: str) -> None:
    """The body-hash floors of one run on `path` ("best" when the run was not forced)."""
    simd = path != "portable"
    relaxed_need = 0.90 if simd else 0.75
    for group in ("body_hash", "body_hash_chunked"):
        for size in ("64KiB", "1MiB"):
            raw = mean_ns(group, "raw_sha256", size)
            for alg, need in (("relaxed", relaxed_need), ("simple", 0.97)):
                share = raw / mean_ns(group, alg, size)
                floor(f"[{path}] {group}/{alg}/{size} share of raw SHA-256 >= {need:.2f}", share, share >= need, "")
    # 16 distinct bodies: text the processor's branch history has not learnt, as real mail is.
    raw = mean_ns("body_hash_unseen", "raw_sha256", "16x1MiB")
    for alg in ("relaxed", "simple"):
        share = raw / mean_ns("body_hash_unseen", alg, "16x1MiB")
        if alg == "relaxed" and simd:
            floor(f"[{path}] body_hash_unseen/relaxed/16x1MiB share of raw SHA-256 >= 0.88", share, share >= 0.88, "")
        else:
            rows.append((f"[{path}] body_hash_unseen/{alg}/16x1MiB share of raw SHA-256 (no floor)", f"{share:.3f}", "info"))


def run_body_hash(path: str) -> bool:
    """Runs the body_hash bench on `path`; False when this processor cannot run it."""
    env = dict(__import__("os").environ, DKIM_SCAN_PATH=path)
    cmd = ["cargo", "bench", "--ignore-rust-version", "--bench", "body_hash", "--", "--warm-up-time", "1",
           "--measurement-time", "3"]
    print(f"+ DKIM_SCAN_PATH={path} {' '.join(cmd)}", file=sys.stderr, flush=True)
    done = subprocess.run(cmd, cwd=ROOT.parent.parent, env=env, stdout=subprocess.DEVNULL)
    if done.returncode == 3:
        return False
    done.check_returncode()
    return True


def milter_floors(floor) -> None:
    """The milter floors (`--milter`): ours against OpenDKIM from the milter bench (benches/milter.rs).

    Messages per second from criterion's estimates (the same batch for both, so the ratio of mean times is the
    ratio of messages per second); peak RSS and the 64 x 10 MiB run from target/criterion/milter-extra.json.
    """
    for mode in ("sign", "verify"):
        for setup in ("1conn", "8conn", "64conn", "postfix"):
            ratio = mean_ns(f"milter_{mode}", "opendkim", setup) / mean_ns(f"milter_{mode}", "ours", setup)
            floor(f"milter_{mode}/{setup} ours msgs/s >= 2x OpenDKIM", ratio, ratio >= 2.0, "x")
    extra_file = ROOT / "milter-extra.json"
    try:
        extra = json.loads(extra_file.read_text())
    except FileNotFoundError:
        print(f"no {extra_file}: run the milter bench first", file=sys.stderr)
        sys.exit(100)
    for mode in ("sign", "verify"):
        rss = extra["peak_rss_kib"][mode]
        ratio = rss["ours"] / rss["opendkim"]
        floor(f"milter {mode} peak RSS ours / OpenDKIM <= 1 ({rss['ours']} / {rss['opendkim']} KiB)", ratio, ratio <= 1.0, "x")
    big = extra["mem_64x10mib"]
    for mode in ("sign", "verify"):
        kib = big[f"ours_{mode}_kib"]
        mib = kib / 1024
        floor(f"milter {mode} 64 x 10 MiB peak RSS ours <= {big['bound_kib'] // 1024} MiB", mib, kib <= big["bound_kib"], " MiB")


def arc_floors(floor, rows) -> None:
    """The ARC floors (`--arc`): validating and sealing against DKIM in the same run (benches/arc.rs).

    Beside each floor, an info row: the ratio that the RSA operations alone would give, from the counts the bench
    wrote (target/criterion/GROUP/rsa-ops.json) and one RSA-2048 verify or sign timed in the same run (`arc_parts`):
    (baseline + (n_arc - n_base) x one operation) / baseline, i.e. everything but the extra RSA operations costing
    the same on both sides.
    """

    def ops(group: str) -> dict:
        f = ROOT / group / "rsa-ops.json"
        try:
            return json.loads(f.read_text())
        except FileNotFoundError:
            print(f"no {f}: run the arc bench first", file=sys.stderr)
            sys.exit(100)

    for group, new, base, part, need, what in (
        ("arc_verify", "arc_3hops_1dkim", "dkim_4sigs", "rsa2048_verify", 1.2, "verify_with_arc / 4 DKIM"),
        ("arc_seal", "seal", "sign", "rsa2048_sign", 1.1, "Sealer::seal / Signer::sign"),
    ):
        sizes = {"arc_verify": "64KiB", "arc_seal": "1MiB"}[group]
        t_base = mean_ns(group, base, sizes)
        # The same floor with each key and backend the bench runs (RSA-2048 on RustCrypto unsuffixed).
        for suffix, label in (("", "rsa2048"), ("_ed25519", "ed25519"), ("_awslc", "rsa2048 aws-lc")):
            if not (ROOT / group / f"{new}{suffix}").exists():
                rows.append((f"{group}/{sizes} {what} ({label})", "-", "not run"))
                continue
            ratio = mean_ns(group, f"{new}{suffix}", sizes) / mean_ns(group, f"{base}{suffix}", sizes)
            floor(f"{group}/{sizes} {what} ({label}) <= {need}x", ratio, ratio <= need, "x")
        n = ops(group)
        one = mean_ns("arc_parts", part)
        explained = (t_base + (n[new] - n[base]) * one) / t_base
        rows.append((
            f"{group} from RSA counts ({n[new]} vs {n[base]} x {part} {one / 1000:.1f} us; no floor)",
            f"{explained:.3f}x",
            "info",
        ))


def report(rows) -> int:
    """Prints the rows; the number of floors that failed."""
    width = max(len(r[0]) for r in rows)
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:>10}  {verdict}")
    return sum(1 for r in rows if r[2] == "FAIL")


def main() -> int:
    rows = []

    def floor(name: str, value: float, ok: bool, unit: str) -> None:
        rows.append((name, f"{value:.3f}{unit}", "PASS" if ok else "FAIL"))

    if "--milter" in sys.argv:
        # The milter bench on its own (it takes minutes and needs root, Postfix and OpenDKIM): only its floors.
        milter_floors(floor)
        return report(rows)

    if "--arc" in sys.argv:
        # The arc bench on its own: only its floors.
        arc_floors(floor, rows)
        return report(rows)

    if "--paths" in sys.argv:
        for path in PATHS:
            if run_body_hash(path):
                body_hash_floors(floor, rows, path)
            else:
                rows.append((f"[{path}] body-hash floors", "-", "not run: this processor lacks the path"))
    else:
        body_hash_floors(floor, rows, "best")

    # A day of mail (the corpus bench): messages per second per core against mail-auth in the same run.
    corpus = mean_ns("corpus", "mail_auth", "2000msgs") / mean_ns("corpus", "ours", "2000msgs")
    floor("corpus/ours (RustCrypto) faster than mail-auth >= 2.0x", corpus, corpus >= 2.0, "x")
    aws = mean_ns("corpus", "mail_auth", "2000msgs") / mean_ns("corpus", "ours_aws_lc", "2000msgs")
    rows.append(("corpus/ours_aws_lc faster than mail-auth (no floor)", f"{aws:.3f}x", "info"))

    for alg in ("rsa2048", "ed25519"):
        speedup = mean_ns("mail_auth_verify", alg, "1MiB") / mean_ns("verify", alg, "1MiB")
        floor(f"verify/{alg}/1MiB faster than mail-auth >= 1.5x", speedup, speedup >= 1.5, "x")

    extra_us = (mean_ns("verify", "ed25519", "1KiB") - mean_ns("ed25519_bare", "verify")) / 1000
    floor("verify/ed25519/1KiB - ed25519_bare/verify <= 3 us", extra_us, extra_us <= 3.0, " us")

    five = mean_ns("verify_n_signatures", "5") / mean_ns("verify_n_signatures", "1")
    floor("verify_n_signatures 5 / 1 <= 1.3", five, five <= 1.3, "x")

    for alg in ("rsa2048", "ed25519"):
        growth = mean_ns("linear", alg, "16MiB") / mean_ns("linear", alg, "1MiB")
        floor(f"linear/{alg} 16MiB / 1MiB <= 17", growth, growth <= 17.0, "x")

    if "--openssl" in sys.argv:
        openssl = openssl_verify_ns()
        if openssl is None:
            print("openssl not found or its output not understood", file=sys.stderr)
        else:
            ratio = mean_ns("backend", "rsa2048_verify", "aws-lc-rs") / openssl
            floor("backend/rsa2048_verify/aws-lc-rs / openssl speed <= 1.5", ratio, ratio <= 1.5, "x")

    width = max(len(r[0]) for r in rows)
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:>10}  {verdict}")
    return sum(1 for r in rows if r[2] == "FAIL")


if __name__ == "__main__":
    sys.exit(main())
