"""Record which of the 914 CCTV Ed25519 vectors Truceline's one rule accepts.

Run once (and again only on purpose, after reviewing why the rule changed):

    .venv/bin/python tests/data/make_ed25519_expected.py

It writes ``tests/data/ed25519_expected.json``; ``tests/test_signing.py`` then fails whenever a
library upgrade or a code change alters the accept/reject decision for any vector.
"""

from __future__ import annotations

import json
from pathlib import Path

from truceline.ledger.signing import is_valid_signature

HERE = Path(__file__).resolve().parent
#: Where the CCTV vectors may live: copied into the repository, or the project's shared folder.
CANDIDATES = (HERE / "vectors" / "ed25519" / "ed25519vectors.json",
              HERE.parents[2] / "shared" / "vectors" / "ed25519" / "ed25519vectors.json")
RULE = ("valid iff the public key passes libsodium crypto_core_ed25519_is_valid_point (32 bytes, "
        "canonical, on the curve, not small order, no low-order component) and libsodium's strict "
        "crypto_sign_verify_detached accepts (canonical S, R not small order, cofactorless "
        "equation with byte-exact R)")


def main() -> None:
    """Evaluate every vector and write the sorted list of accepted vector numbers."""
    path = next(p for p in CANDIDATES if p.exists())
    vectors = json.loads(path.read_text(encoding="utf-8"))
    accepted = sorted(v["number"] for v in vectors
                      if is_valid_signature(bytes.fromhex(v["key"]), v["msg"].encode("utf-8"),
                                            bytes.fromhex(v["sig"])))
    out = HERE / "ed25519_expected.json"
    out.write_text(json.dumps({"rule": RULE, "vectors": len(vectors), "accepted": accepted},
                              indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(accepted)} of {len(vectors)} accepted")


if __name__ == "__main__":
    main()
