"""API read latency under load: ``python benchmarks/api.py --json OUT``.

1. Builds (once, kept in ``--work``) 30 simulated days at the simulator's full difficulty — one
   folder per day, each simulated with its own seed and processed as ``truceline process`` does
   (acoustic, satellite and drone data; radar left out), in two worker processes.
2. Starts ``truceline serve`` on them in a process of its own, on loopback, after creating an
   analyst's and a liaison's token, with one review case confirmed and published and one claim filed
   so that every read route has something to return.
3. From this (second) process, ``--clients`` concurrent clients (default 20, each one keep-alive
   HTTP/1.1 connection driven with asyncio streams, light on CPU as a load generator must be on a
   machine it shares with the server; ``--client httpx`` for httpx instead) issue ``--requests`` GETs (default 6,000) spread over the read routes — pages of
   events, incidents, engagements and violations of random days at random offsets, single
   events, the review queue, claims, notifications, publications, the public view, the
   checkpoint — after a warm-up of 300. Reports requests per second and latency percentiles,
   overall and per route; the bar is p99 <= 100 ms on 2 cores (server and clients share them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from truceline import __version__

console = Console()
FIRST_DAY = date(2026, 11, 1)


def build_day(work: Path, k: int) -> str:
    """Simulate and process day ``k`` into ``work/days/<date>`` (skipped when already there)."""
    from truceline.app import Trust, run_process, run_simulate
    day = FIRST_DAY + timedelta(days=k)
    out = work / "days" / day.isoformat()
    if (out / "run.json").exists():
        return day.isoformat()
    shutil.rmtree(out, ignore_errors=True)
    scenario = work / "scenarios" / day.isoformat()
    paths = run_simulate(scenario, agreement=None, seed=100 + k, day=day, calm=False)
    run_process(paths["picks"], paths["sensors"], paths["agreement"], out,
                trust=Trust(keyring=paths["keyring"], require_signed=True, mission_key=work / "keys" / "mission.key"),
                firms=(paths["firms_viirs"], paths["firms_modis"]), firms_history=(paths["firms_history"],),
                drones=(paths["drone_sightings"], paths["drone_coverage"]))
    return day.isoformat()


def build_days(work: Path, n: int) -> list[str]:
    (work / "keys").mkdir(parents=True, exist_ok=True)
    from truceline.ledger.keyfiles import load_or_create_signer
    load_or_create_signer(work / "keys" / "mission.key", "truceline-mission")   # one key, made before the workers
    days = []
    with Progress(console=console) as bar, ProcessPoolExecutor(2) as pool:
        task = bar.add_task(f"building {n} simulated days (kept in {work})", total=n)
        for d in pool.map(build_day, [work] * n, range(n)):
            days.append(d)
            bar.advance(task)
    return sorted(days)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_desk(work: Path) -> dict[str, str]:
    """Tokens, one published case and one claim, through the desk itself (before the server starts)."""
    from truceline.api import Desk, ServeSettings, issue_token
    from truceline.model.desk import ClaimElement, Principal
    desk_store = work / "desk.sqlite"
    desk_store.unlink(missing_ok=True)
    desk = Desk.open(ServeSettings(data=work / "days", store=str(desk_store), mission_key=work / "keys" / "mission.key"))
    try:
        tokens = {role: issue_token(desk.store, f"bench-{role}", role, party)
                  for role, party in (("analyst", ""), ("publisher", ""), ("liaison", "B"))}
        analyst, publisher = Principal("", "bench-analyst", "analyst"), Principal("", "bench-publisher", "publisher")
        first = desk.cases(analyst)[0]
        desk.decide(analyst, [first.case_id], "confirm", "benchmark")
        from truceline.api.publish import publish
        publish(desk, publisher, first.case_id, "benchmark")
        day = min(desk.days.values(), key=lambda d: d.day)
        desk.file_claim(Principal("", "bench-liaison", "liaison", "B"), "benchmark claim",
                        [ClaimElement("fire", 38.4, 48.6, day.period[0], day.period[0] + 3600)])
        n_cases = len(desk.cases(analyst))
    finally:
        desk.close()
    return {**tokens, "n_cases": str(n_cases)}


def start_server(work: Path, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "truceline", "serve", "--data", str(work / "days"), "--store", str(work / "desk.sqlite"),
           "--mission-key", str(work / "keys" / "mission.key"), "--port", str(port), "--public-delay-h", "0"]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    import httpx
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stdout.read().decode()}")
        time.sleep(0.5)
    raise RuntimeError("the server did not answer within 300 s")


def request_mix(days: list[str], n: int, seed: int) -> list[tuple[str, str, str]]:
    """(route name, path, role) for ``n`` requests, in a fixed random order."""
    rng = random.Random(seed)
    routes = [
        (5, "events page", lambda d: f"/v1/days/{d}/events?offset={rng.randrange(0, 1400)}&limit=100", "analyst"),
        (2, "events of a kind", lambda d: f"/v1/days/{d}/events?kind=impact&limit=100", "analyst"),
        (2, "one event", lambda d: f"/v1/days/{d}/events/E{rng.randrange(1, 1200):06d}", "analyst"),
        (2, "incidents page", lambda d: f"/v1/days/{d}/incidents?offset={rng.randrange(0, 500)}&limit=100", "analyst"),
        (2, "engagements", lambda d: f"/v1/days/{d}/engagements", "analyst"),
        (2, "violations", lambda d: f"/v1/days/{d}/violations?limit=100", "analyst"),
        (2, "review queue", lambda d: f"/v1/cases?offset={rng.randrange(0, 2000)}&limit=50", "analyst"),
        (1, "one case", lambda d: f"/v1/cases/C{rng.randrange(1, 2000):05d}", "analyst"),
        (1, "claims", lambda d: "/v1/claims", "liaison"),
        (1, "notifications", lambda d: "/v1/notifications", "liaison"),
        (1, "publications", lambda d: "/v1/publications", "liaison"),
        (1, "public findings", lambda d: "/v1/public/findings", "public"),
        (1, "checkpoint", lambda d: "/v1/ledger/checkpoint", "public"),
    ]
    weights = [w for w, *_ in routes]
    out = []
    for _ in range(n):
        _, name, path, role = rng.choices(routes, weights)[0]
        out.append((name, path(rng.choice(days)), role))
    return out


async def drive(port: int, mix: list[tuple[str, str, str]], tokens: dict[str, str], clients: int,
                client: str = "raw") -> list[tuple[str, float, int]]:
    return await (drive_raw if client == "raw" else drive_httpx)(port, mix, tokens, clients)


async def drive_raw(port: int, mix: list[tuple[str, str, str]], tokens: dict[str, str], clients: int
                    ) -> list[tuple[str, float, int]]:
    """Each client one keep-alive HTTP/1.1 connection written and read with asyncio streams: a load
    generator light enough (like wrk) that the latency measured is the server's, not the client's CPU."""
    heads = {r: f"Authorization: Bearer {tokens[r]}\r\n" for r in ("analyst", "liaison")}
    heads["public"] = ""
    queue = list(reversed(mix))
    results: list[tuple[str, float, int]] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while queue:
                name, path, role = queue.pop()
                t0 = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{heads[role]}\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                results.append((name, (time.perf_counter() - t0) * 1000.0, status))
        finally:
            writer.close()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return results


async def drive_httpx(port: int, mix: list[tuple[str, str, str]], tokens: dict[str, str], clients: int
                      ) -> list[tuple[str, float, int]]:
    """The same load through httpx (heavier on the client's CPU: its latency includes the client's)."""
    import httpx
    heads = {r: {"Authorization": f"Bearer {tokens[r]}"} for r in ("analyst", "liaison")}
    heads["public"] = {}
    queue = list(reversed(mix))
    results: list[tuple[str, float, int]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        async def worker() -> None:
            while queue:
                name, path, role = queue.pop()
                t0 = time.perf_counter()
                r = await client.get(path, headers=heads[role])
                await r.aread()
                results.append((name, (time.perf_counter() - t0) * 1000.0, r.status_code))
        await asyncio.gather(*(worker() for _ in range(clients)))
    return results


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p90_ms": round(float(np.percentile(a, 90)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2), "max_ms": round(float(a.max()), 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True, help="Where to write the results.")
    ap.add_argument("--work", type=Path, default=Path("benchmarks/.work/api"), help="Where the days are built (kept).")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--client", choices=("raw", "httpx"), default="raw",
                    help="Load generator: raw asyncio HTTP/1.1 keep-alive (default) or httpx.")
    args = ap.parse_args(argv)
    days = build_days(args.work, args.days)
    tokens = prepare_desk(args.work)
    port = free_port()
    t0 = time.monotonic()
    server = start_server(args.work, port)
    load_s = time.monotonic() - t0
    try:
        asyncio.run(drive(port, request_mix(days, 300, args.seed + 1), tokens, args.clients, args.client))  # warm-up
        t0 = time.monotonic()
        results = asyncio.run(drive(port, request_mix(days, args.requests, args.seed), tokens, args.clients,
                                    args.client))
        wall = time.monotonic() - t0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    statuses = sorted({s for _, _, s in results})
    overall = {"requests": len(results), "rps": round(len(results) / wall, 1), **percentiles([m for _, m, _ in results])}
    by_route = {name: {"n": sum(1 for r in results if r[0] == name),
                       **percentiles([m for n, m, _ in results if n == name])} for name in sorted({r[0] for r in results})}
    result = {"benchmark": "api", "code_version": __version__, "days": len(days), "review_items": int(tokens["n_cases"]),
              "clients": args.clients, "client": args.client, "server_start_s": round(load_s, 1), "statuses": statuses,
              "cpu_count": os.cpu_count(), **overall, "bar_p99_ms": 100.0, "by_route": by_route}
    table = Table("route", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", title=f"{len(days)} days, {args.clients} clients")
    for name, r in by_route.items():
        table.add_row(name, str(r["n"]), f"{r['p50_ms']:.1f}", f"{r['p90_ms']:.1f}", f"{r['p99_ms']:.1f}", f"{r['max_ms']:.1f}")
    table.add_row("all", str(overall["requests"]), f"{overall['p50_ms']:.1f}", f"{overall['p90_ms']:.1f}",
                  f"{overall['p99_ms']:.1f}", f"{overall['max_ms']:.1f}", style="bold")
    console.print(table)
    console.print(f"{overall['rps']} requests/s; statuses {statuses}; p99 {overall['p99_ms']} ms (bar 100 ms); "
                  f"server loaded {len(days)} days in {load_s:.1f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    console.print(f"written: {args.json}")
    return 0 if overall["p99_ms"] <= 100.0 and set(statuses) <= {200, 404} else 1


if __name__ == "__main__":
    sys.exit(main())
