"""An acknowledged append survives ``kill -9``: a writer is killed mid-stream again and again.

A forked child appends leaves in batches of random size and reports each acknowledgement (the
return of ``Ledger.append``, after the store committed) through a pipe; the parent kills it with
SIGKILL at a random moment, reopens the store and checks that the log verifies (leaves, tiles),
that every acknowledged leaf is there with exactly the bytes written, and then starts the next
writer. Power loss is a design claim (docs/formats.md), not tested here.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time

from truceline.ledger.log import Ledger
from truceline.ledger.merkle import leaf_hash, root_of
from truceline.ledger.verify import verify_store
from truceline.store import Store

KILLS = 200


def _writer(target, fd: int, seed: int) -> None:
    """Child: append forever, writing the acknowledged size to ``fd`` after each append."""
    rng = random.Random(seed)
    with Store.open(target) as store:
        ledger = Ledger(store)
        while True:
            first = ledger.size
            n = rng.randint(1, 40)
            ledger.append(["decision"] * n, [b"leaf %d" % (first + k) for k in range(n)])
            os.write(fd, b"%d\n" % ledger.size)


def _acknowledged(fd: int) -> int:
    data = b""
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    sizes = [int(x) for x in data.split(b"\n")[:-1] if x]  # a torn last line was not fully acknowledged
    return max(sizes, default=0)


def _kill_once(target, rng: random.Random, k: int) -> int:
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
    acked = _acknowledged(read_fd)
    os.close(read_fd)
    return acked


def test_no_acknowledged_leaf_is_lost_across_kills(store_target) -> None:
    rng = random.Random(2026)
    best = 0
    for k in range(KILLS):
        best = max(best, _kill_once(store_target, rng, k))
        with Store.open(store_target) as store:
            size = store.ledger_size()
            assert size >= best, f"kill {k}: {best} leaves were acknowledged, the log holds {size}"
            if k % 20 == 0 or k == KILLS - 1:
                rows = store.leaves(0, size)
                assert [data for _, data, _ in rows] == [b"leaf %d" % i for i in range(size)]
                assert Ledger(store).root() == root_of([leaf_hash(d) for _, d, _ in rows])
                verify_store(store)
    assert best > KILLS, "the writers acknowledged too little for the test to mean anything"
