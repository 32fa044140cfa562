"""What ``truceline serve`` is configured with: every setting once, with its default and meaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ServeSettings:
    """Settings of the mission's API.

    ``data``: a processed folder (``truceline process`` / ``demo`` output, with ``run.json``) or a
    folder of such folders, one per day. ``store``: the store with the ledger and the desk's tables
    (default ``<data>/store.sqlite``). ``mission_key``: the log's signing key (default
    ``<data>/keys/mission.key``). ``public_delay_h``: the public sees a published finding this long
    after publication; ``public_grid_deg``: its position rounded to this grid (0.1 degree: ~10 km);
    ``webhooks``: party id -> URL that receives every publication (signed, byte-identical);
    ``page_max``: most rows one list request returns; ``keyring``: the registered sources whose
    signed batches ``POST /v1/ingest`` accepts (none: every batch is refused).
    """

    data: Path
    store: str | None = None
    mission_key: Path | None = None
    origin: str = "truceline/mission"
    public_delay_h: float = 24.0
    public_grid_deg: float = 0.1
    webhooks: dict[str, str] = field(default_factory=dict)
    page_max: int = 1000
    keyring: Path | None = None

    def store_target(self) -> str | Path:
        return self.store or Path(self.data) / "store.sqlite"

    def key_path(self) -> Path:
        return self.mission_key or Path(self.data) / "keys" / "mission.key"
