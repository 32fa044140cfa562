"""An acknowledged append survives ``kill -9``: a writer is killed mid-stream again and again.

A forked child appends leaves in batches of random size and reports each acknowledgement (the
return of ``Ledger.append``, after the store committed: where the batch landed) through a pipe;
the parent kills it with SIGKILL at a random moment, reopens the store and checks that every
acknowledged leaf is at its index with exactly the bytes written, that the log verifies (leaves,
tiles), and then starts the next writer. On PostgreSQL a killed client's last COMMIT may still
land on the server after the next writer opened the store; the next writer's append must notice
and build on it (it once wrote stale tiles there). Power loss is a design claim
(docs/formats.md), not tested here.
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import time

from truceline.ledger.log import Ledger
from truceline.ledger.merkle import leaf_hash, root_of
from truceline.ledger.verify import verify_store
from truceline.store import Store

KILLS = 200


def _leaf(writer: int, j: int) -> bytes:
    return b"writer %d leaf %d" % (writer, j)


def _writer(target, fd: int, seed: int) -> None:
    """Child: append forever, writing ``first j n`` (where batch ``j..j+n-1`` landed) after each append."""
    rng = random.Random(seed)
    with Store.open(target) as store:
        ledger = Ledger(store)
        j = 0
        while True:
            n = rng.randint(1, 40)
            first = ledger.append(["decision"] * n, [_leaf(seed, j + i) for i in range(n)])
            os.write(fd, b"%d %d %d\n" % (first, j, n))
            j += n


def _acknowledged(fd: int, writer: int) -> dict[int, bytes]:
    """``{leaf index: bytes}`` of every leaf the killed writer acknowledged."""
    data = b""
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    acked: dict[int, bytes] = {}
    for line in data.split(b"\n")[:-1]:  # a torn last line was not fully acknowledged
        first, j, n = (int(x) for x in line.split())
        acked.update({first + i: _leaf(writer, j + i) for i in range(n)})
    return acked


def _kill_once(target, rng: random.Random, k: int) -> dict[int, bytes]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        try:
            _writer(target, write_fd, k)
        finally:
            os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + 5.0
    while not select.select([read_fd], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass
    time.sleep(rng.uniform(0.0, 0.03))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    acked = _acknowledged(read_fd, k)
    os.close(read_fd)
    return acked


def test_no_acknowledged_leaf_is_lost_across_kills(store_target) -> None:
    rng = random.Random(2026)
    acked: dict[int, bytes] = {}
    for k in range(KILLS):
        new = _kill_once(store_target, rng, k)
        assert not new.keys() & acked.keys(), f"kill {k}: writer {k} acknowledged an index already taken"
        acked.update(new)
        with Store.open(store_target) as store:
            size = store.ledger_size()
            top = max(acked, default=-1) + 1
            assert size >= top, f"kill {k}: leaves up to {top} were acknowledged, the log holds {size}"
            if k % 20 == 0 or k == KILLS - 1:
                rows = store.leaves(0, size)
                lost = [i for i, data in acked.items() if rows[i][1] != data]
                assert not lost, f"kill {k}: acknowledged leaves changed or missing at {lost[:5]}"
                assert all(re.fullmatch(rb"writer \d+ leaf \d+", d) for _, d, _ in rows)
                assert Ledger(store).root() == root_of([leaf_hash(d) for _, d, _ in rows])
                verify_store(store)
    assert len(acked) > KILLS, "the writers acknowledged too little for the test to mean anything"
