"""`truceline tokens` and `truceline serve` from the command line: a token made, listed, used
against a served API on loopback, revoked."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from truceline.cli import cli


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tokens_and_serve(demo_day, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    shutil.copy(demo_day["out"] / "store.sqlite", store)
    runner = CliRunner()
    base = ["--data", str(demo_day["out"]), "--store", str(store)]
    made = runner.invoke(cli, ["tokens", "add", *base, "--name", "Duty analyst", "--role", "analyst"])
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    assert token.startswith("tl_")
    refused = runner.invoke(cli, ["tokens", "add", *base, "--name", "x", "--role", "liaison"])
    assert refused.exit_code == 1 and "--party" in refused.output
    listed = runner.invoke(cli, ["tokens", "list", *base])
    assert "Duty analyst" in listed.output and token.split("_")[2] not in listed.output
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "truceline", "serve", *base, "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        head = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{url}/v1/me", headers=head).json()["role"] == "analyst"
        cases = httpx.get(f"{url}/v1/cases", headers=head).json()
        assert 0 < cases["total"] <= 300
        assert httpx.get(f"{url}/v1/cases").status_code == 403
        assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "Truceline API"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert f"({cases['total']} review" in output and "API at" in output
    token_id = token.split("_")[1]
    assert runner.invoke(cli, ["tokens", "revoke", token_id, *base]).exit_code == 0
    assert runner.invoke(cli, ["tokens", "revoke", token_id, *base]).exit_code == 1
