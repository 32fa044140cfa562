"""RFC 9162 proofs against published vectors: transparency-dev/merkle and CCTV (../shared/vectors/merkle).

Every inclusion and consistency probe of transparency-dev runs through the verifiers and must
succeed exactly when ``wantErr`` is false; the happy paths also serve as proof-generation vectors
(the CT reference tree of 8 leaves). All CCTV cases run too.

The one disagreement between the two sets, consistency from the empty tree, is decided for
RFC 9162 and transparency-dev: any proof with ``size1 = 0`` is refused. The CCTV vectors expected
to fail because of that decision are exactly ``consistency-valid.json`` entries 0 and 1
(``old_size`` 0 → ``new_size`` 0 and 0 → 1); ``EXPECTED_TO_FAIL`` lists them and a test asserts
that they, and only they, fail.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import pytest

from truceline.ledger.merkle import (EMPTY_ROOT, ProofError, consistency_path, inclusion_path, leaf_hash,
                                     leaf_hashes, root_of, verify_consistency, verify_inclusion)
from truceline.ledger.tree import MemoryTiles, TiledTree

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "merkle"
TD = VECTORS / "transparency-dev-merkle" / "testdata"
CCTV = VECTORS / "cctv-merkle" / "testdata"
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f")]
EXPECTED_TO_FAIL = {("consistency-valid.json", 0), ("consistency-valid.json", 1)}
"""CCTV 'valid' consistency vectors from the empty tree: refused by Truceline's decision (see the module docstring)."""

pytestmark = pytest.mark.skipif(not VECTORS.exists(), reason=f"vectors not found at {VECTORS}")


def b64(value: str | None) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        return b"\xff"  # not decodable: certainly not a 32-byte hash, must be rejected


def probes(kind: str) -> list[Path]:
    return sorted((TD / kind).rglob("*.json"))


def ct_tree() -> list[bytes]:
    return leaf_hashes(CT_LEAVES)


@pytest.mark.parametrize("path", probes("inclusion"), ids=lambda p: str(p.relative_to(TD)))
def test_transparency_dev_inclusion(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (b64(v["leafHash"]), v["leafIdx"], v["treeSize"], [b64(p) for p in v["proof"] or []], b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)
        if path.name == "happy-path.json" and v["treeSize"] <= 8 and path.parent.name.isdigit():
            assert inclusion_path(ct_tree()[:v["treeSize"]], v["leafIdx"]) == args[3]


@pytest.mark.parametrize("path", probes("consistency"), ids=lambda p: str(p.relative_to(TD)))
def test_transparency_dev_consistency(path: Path) -> None:
    v = json.loads(path.read_text())
    args = (v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), [b64(p) for p in v["proof"] or []])
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)
        if path.name == "happy-path.json" and path.parent.name.isdigit():
            assert consistency_path(ct_tree()[:v["size2"]], v["size1"]) == args[4]


def test_ct_reference_root_and_tiled_proofs_match_the_vectors() -> None:
    hashes = ct_tree()
    assert base64.b64encode(root_of(hashes)).decode() == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
    tiles = MemoryTiles()
    tree = TiledTree(tiles, 0)
    tiles.write_tiles(tree.append(hashes))
    for path in probes("inclusion") + probes("consistency"):
        v = json.loads(path.read_text())
        if path.name != "happy-path.json" or not path.parent.name.isdigit():
            continue
        proof = [b64(p) for p in v["proof"] or []]
        if "leafIdx" in v:
            assert tree.inclusion_proof(v["leafIdx"], v["treeSize"]) == proof
        else:
            assert tree.consistency_proof(v["size1"], v["size2"]) == proof


def test_cctv_tree_heads_sizes_1_to_16() -> None:
    heads = json.loads((CCTV / "merkle_tree.json").read_text())
    tiles = MemoryTiles()
    tree = TiledTree(tiles, 0)
    hashes = []
    for k, entry in enumerate(heads, start=1):
        h = leaf_hash(entry["leaf_data"].encode())
        assert h == b64(entry["leaf_hash"])
        hashes.append(h)
        tiles.write_tiles(tree.append([h]))
        assert root_of(hashes) == b64(entry["root_hash"]) == tree.root() == tree.root(k)
    assert root_of([]) == EMPTY_ROOT


def cctv_cases():
    for name in ("inclusion-valid.json", "inclusion-invalid.json", "consistency-valid.json",
                 "consistency-invalid.json"):
        for k, case in enumerate(json.loads((CCTV / name).read_text())):
            yield pytest.param(name, k, case, id=f"{name}[{k}]")


def _cctv_check(name: str, case: dict) -> None:
    if name.startswith("inclusion"):
        verify_inclusion(b64(case["leaf_hash"]), case["leaf_index"], case["tree_size"],
                         [b64(p) for p in case["inclusion_path"]], b64(case["root_hash"]))
    else:
        verify_consistency(case["old_size"], case["new_size"], b64(case["old_root"]), b64(case["new_root"]),
                           [b64(p) for p in case["consistency_path"]])


@pytest.mark.parametrize("name,k,case", list(cctv_cases()))
def test_cctv(name: str, k: int, case: dict) -> None:
    valid = name.endswith("-valid.json") and (name, k) not in EXPECTED_TO_FAIL
    if valid:
        _cctv_check(name, case)
    else:
        with pytest.raises(ProofError):
            _cctv_check(name, case)


def test_the_empty_tree_decision_is_exactly_the_listed_vectors() -> None:
    valid = json.loads((CCTV / "consistency-valid.json").read_text())
    from_empty = {("consistency-valid.json", k) for k, c in enumerate(valid) if c["old_size"] == 0}
    assert from_empty == EXPECTED_TO_FAIL
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 1, EMPTY_ROOT, leaf_hash(b"a"), [])
    assert json.loads((TD / "consistency" / "additional" / "size1-is-zero-and-size2-is-not-zero.json")
                      .read_text())["wantErr"] is True
