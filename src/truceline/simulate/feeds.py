"""What happens to a feed between the sensor and the mission: duplicates, late and broken rows."""

from __future__ import annotations

import numpy as np

from truceline.model.tables import PICKS, Columns
from truceline.model.timefmt import to_iso

BROKEN = (
    ("time", "2026-13-45T99:00:00Z"),
    ("time", "yesterday"),
    ("kind", "boom"),
    ("snr", "n/a"),
    ("sensor_id", ""),
    ("sensor_id", "AS-9999-dead"),
    ("amplitude", "-4.0"),
)


def to_rows(picks: Columns) -> list[dict[str, str]]:
    """Picks as the producer writes them: every field a string in the picks.csv contract."""
    rows = []
    for i in range(len(picks)):
        rows.append({"pick_id": str(picks["pick_id"][i]), "sensor_id": str(picks["sensor_id"][i]),
                     "time": to_iso(picks["time"][i]), "kind": str(picks["kind"][i]),
                     "snr": f"{picks['snr'][i]:.1f}", "amplitude": f"{picks['amplitude'][i]:.3f}",
                     "received_at": to_iso(picks["received_at"][i])})
    return rows


def degrade_feed(picks: Columns, params, rng: np.random.Generator) -> list[dict[str, str]]:
    """Rows in arrival order with exact duplicates, late deliveries and malformed rows mixed in."""
    rows = to_rows(picks)
    n = len(rows)
    late = np.nonzero(rng.random(n) < params.late_rate)[0]
    for i in late:  # delivered hours later: received_at says so, and the row lands out of order
        rows[i]["received_at"] = to_iso(picks["time"][i] + rng.uniform(3600, 6 * 3600))
    order = sorted(range(n), key=lambda i: rows[i]["received_at"])
    out = [rows[i] for i in order]
    for i in np.nonzero(rng.random(n) < params.duplicate_rate)[0]:
        out.insert(min(len(out), int(i) + int(rng.integers(1, 50))), dict(out[i]))
    for k in np.nonzero(rng.random(len(out)) < params.malformed_rate)[0]:
        field, value = BROKEN[int(rng.integers(0, len(BROKEN)))]
        bad = dict(out[k])
        bad[field] = value
        bad["pick_id"] = bad["pick_id"] + "x"
        out.insert(int(k), bad)
    assert all(list(r) == list(PICKS.names) for r in out[:1])
    return out
