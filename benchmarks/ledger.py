"""Ledger throughput and proof times: ``python benchmarks/ledger.py --json OUT``.

1. Commits the simulator's pick records through the real path — canonical record bytes, leaf
   hashes, the batch's Merkle root, the batch leaf appended to the log, the rows and record hashes
   written to the durable store (SQLite, WAL, synchronous=FULL), one run (transaction) per batch —
   and reports observations committed per second, and the ratio of that time to raw
   ``hashlib.sha256`` over the same record bytes (``ratio_to_sha256``: how many times the bare
   hashing cost the whole path costs).
2. Grows a log to ``--leaves`` leaves (default 10 M) in the same store type and times inclusion
   and consistency proof generation and verification at that size.

The simulated day holds some 10^4 picks; to reach ``--records`` they are repeated with fresh
pick ids (the record bytes differ, the cost per record is the same).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from truceline import __version__
from truceline.app import run_simulate
from truceline.ledger.log import Ledger
from truceline.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from truceline.ledger.records import record_bytes
from truceline.model.tables import Columns
from truceline.sources import read
from truceline.store import Store


def simulated_picks(work: Path) -> Columns:
    paths = run_simulate(work / "scenario", agreement=None, seed=7, day=date(2026, 11, 26), calm=False)
    sensors = read(paths["sensors"], format="sensors-csv")
    return read(paths["picks"], format="picks-csv", sensor_ids=set(sensors.table["sensor_id"])).table


def repeated(picks: Columns, n: int, copy: int) -> Columns:
    idx = np.arange(n) % len(picks)
    ids = np.array([f"{p}-r{copy}-{k}" for k, p in enumerate(picks["pick_id"][idx])], dtype=object)
    return Columns({**{c: picks[c][idx] for c in picks.names}, "pick_id": ids})


def commit_records(store_target: str | Path, picks: Columns, total: int, batch: int) -> dict[str, float]:
    chunks = [repeated(picks, min(batch, total - start), start // batch) for start in range(0, total, batch)]
    t0 = time.perf_counter()
    with Store.open(store_target) as store, Progress(transient=True) as bar:
        task = bar.add_task("committing picks", total=total)
        ledger = Ledger(store)
        for chunk in chunks:
            with store.run({"inputs": "benchmark"}) as run_id:
                store.save_table(run_id, "picks", chunk)
                ledger.commit_batch(run_id, "picks", chunk, source="benchmark", status="signed")
            bar.advance(task, len(chunk))
    elapsed = time.perf_counter() - t0
    raw = [b for chunk in chunks for b in record_bytes(chunk, "picks")]
    t1 = time.perf_counter()
    sha = hashlib.sha256
    for b in raw:
        sha(b).digest()
    sha_s = time.perf_counter() - t1
    return {"records": total, "batch": batch, "seconds": elapsed, "obs_per_s": total / elapsed,
            "sha256_seconds": sha_s, "ratio_to_sha256": elapsed / sha_s}


def grow_log(store_target: str | Path, leaves: int, chunk: int = 100_000) -> tuple[Ledger, Store, float]:
    store = Store.open(store_target)
    ledger = Ledger(store)
    t0 = time.perf_counter()
    with Progress(transient=True) as bar:
        task = bar.add_task(f"growing the log to {leaves:,} leaves", total=leaves)
        while ledger.size < leaves:
            n = min(chunk, leaves - ledger.size)
            first = ledger.size
            ledger.append(["decision"] * n, [b"benchmark leaf %d" % (first + k) for k in range(n)])
            bar.advance(task, n)
    return ledger, store, time.perf_counter() - t0


def proof_times(ledger: Ledger, store: Store, samples: int, seed: int = 1) -> dict[str, float]:
    rng = random.Random(seed)
    size, root = ledger.size, ledger.root()
    idx = [rng.randrange(size) for _ in range(samples)]
    datas = {i: store.leaves(i, i + 1)[0][1] for i in idx}
    t0 = time.perf_counter()
    proofs = [ledger.leaf_proof(i, size) for i in idx]
    gen = (time.perf_counter() - t0) / samples
    t0 = time.perf_counter()
    for i, p in zip(idx, proofs):
        verify_inclusion(leaf_hash(datas[i]), i, size, p, root)
    ver = (time.perf_counter() - t0) / samples
    olds = [rng.randrange(1, size) for _ in range(samples)]
    t0 = time.perf_counter()
    cproofs = [ledger.consistency(m, size) for m in olds]
    cgen = (time.perf_counter() - t0) / samples
    old_roots = {m: ledger.root(m) for m in olds}
    t0 = time.perf_counter()
    for m, p in zip(olds, cproofs):
        verify_consistency(m, size, old_roots[m], root, p)
    cver = (time.perf_counter() - t0) / samples
    return {"leaves": size, "inclusion_proof_ms": gen * 1e3, "inclusion_verify_ms": ver * 1e3,
            "consistency_proof_ms": cgen * 1e3, "consistency_verify_ms": cver * 1e3,
            "inclusion_proof_len": len(proofs[0]), "samples": samples}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True, help="Where to write the results.")
    ap.add_argument("--records", type=int, default=1_000_000, help="Pick records to commit.")
    ap.add_argument("--batch", type=int, default=50_000, help="Records per batch (one run each).")
    ap.add_argument("--leaves", type=int, default=10_000_000, help="Log size for the proof timings.")
    ap.add_argument("--samples", type=int, default=1000, help="Proofs timed.")
    ap.add_argument("--store", default=None, help="Store URL (default: a SQLite file in a temporary folder).")
    args = ap.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="truceline-bench-") as tmp:
        work = Path(tmp)
        picks = simulated_picks(work)
        commit = commit_records(args.store or work / "commit.sqlite", picks, args.records, args.batch)
        ledger, store, grow_s = grow_log(work / "log.sqlite" if args.store is None else args.store, args.leaves)
        try:
            proofs = {**proof_times(ledger, store, args.samples), "grow_seconds": grow_s,
                      "append_leaves_per_s": args.leaves / grow_s}
        finally:
            store.close()
    result = {"benchmark": "ledger", "truceline": __version__, "python": sys.version.split()[0],
              "simulated_picks": len(picks), "commit": commit, "proofs": proofs,
              "obs_per_s": commit["obs_per_s"], "ratio_to_sha256": commit["ratio_to_sha256"]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    table = Table(title="Ledger benchmark")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in (("records committed", f"{commit['records']:,}"), ("obs_per_s", f"{commit['obs_per_s']:,.0f}"),
                         ("ratio_to_sha256", f"{commit['ratio_to_sha256']:.1f}"),
                         ("log leaves", f"{proofs['leaves']:,}"),
                         ("append leaves/s", f"{proofs['append_leaves_per_s']:,.0f}"),
                         ("inclusion proof (ms)", f"{proofs['inclusion_proof_ms']:.3f}"),
                         ("inclusion verify (ms)", f"{proofs['inclusion_verify_ms']:.3f}"),
                         ("consistency proof (ms)", f"{proofs['consistency_proof_ms']:.3f}"),
                         ("consistency verify (ms)", f"{proofs['consistency_verify_ms']:.3f}")):
        table.add_row(label, value)
    console.print(table)
    console.print(f"written: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
