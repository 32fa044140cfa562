"""RFC 9162 hashing, proof generation and verification against vectors we did not produce.

Vectors live in ``tests/data/vectors/merkle`` (copied from the published sets with their
licences and SHA256SUMS; see its README): every inclusion and consistency
probe of transparency-dev/merkle (``testdata/inclusion/**``, ``testdata/consistency/**``; the
optional ``subtree*`` folders are not used) and every CCTV Merkle case (tree heads for sizes
1-16, inclusion and consistency, valid and invalid). The transparency-dev happy paths double as
proof-generation vectors: the numbered trees are the CT reference tree over the 8 leaves in
:data:`CT_LEAVES`, and our generators must give exactly the listed proofs.

Empty-tree decision: consistency proofs are defined only for ``0 < size1 <= size2`` (RFC 9162
§2.1.4, as transparency-dev/merkle does), so every ``size1 = 0`` proof is refused. Exactly two
vectors marked valid are therefore expected to fail, both from CCTV
``consistency-valid.json``: entry 0 (``old_size 0, new_size 0``, empty-tree roots, empty path)
and entry 1 (``old_size 0, new_size 1``, empty path). :data:`REFUSED_CCTV_VALID` lists them;
every other valid vector must pass and every invalid one must fail.

Equal sizes follow transparency-dev: the proof must be empty and the two roots equal, and
nothing else is checked, so ``consistency/additional/sizes-are-equal-one-and-proof-is-empty.json``
(whose equal "roots" are the 12-byte string ``don't care 2``) passes as labelled. No other vector
is expected to disagree with its label.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from truceline.ledger.merkle import (EMPTY_ROOT, MerkleTree, ProofError, consistency_path, consistency_ranges, inclusion_path,
                                     leaf_hash, leaf_hashes, node_hash, root_of, verify_consistency,
                                     verify_inclusion)
from truceline.ledger.tree import MemoryTiles, TiledTree

VECTORS = Path(__file__).resolve().parent / "data" / "vectors" / "merkle"
TD = VECTORS / "transparency-dev-merkle" / "testdata"
CCTV = VECTORS / "cctv-merkle" / "testdata"

CT_LEAVES = [bytes.fromhex(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                        "606162636465666768696a6b6c6d6e6f")]
CT_HASHES = leaf_hashes(CT_LEAVES)

# (file, entry index) of CCTV vectors marked valid that the empty-tree decision refuses.
REFUSED_CCTV_VALID = {("consistency-valid.json", 0), ("consistency-valid.json", 1)}



def b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def b64s(values: list[str] | None) -> list[bytes]:
    return [b64(v) for v in values or []]


def probes(kind: str) -> list[Path]:
    return sorted((TD / kind).rglob("*.json")) if TD.is_dir() else []


def probe_id(path: Path) -> str:
    return str(path.relative_to(TD))


def cctv(name: str) -> list[dict[str, Any]]:
    return json.loads((CCTV / name).read_text()) if CCTV.is_dir() else []


def outcome(check: Any, *args: Any) -> bool:
    try:
        check(*args)
    except ProofError:
        return False
    return True


# ---------------------------------------------------------------- hashing


def test_hash_primitives() -> None:
    assert EMPTY_ROOT == root_of([])
    assert base64.b64encode(EMPTY_ROOT).decode() == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert base64.b64encode(root_of(CT_HASHES)).decode() == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="
    assert leaf_hashes([b"a", b"b"]) == [leaf_hash(b"a"), leaf_hash(b"b")]
    assert root_of(CT_HASHES[:3]) == node_hash(node_hash(CT_HASHES[0], CT_HASHES[1]), CT_HASHES[2])


def test_cctv_tree_heads() -> None:
    cases = cctv("merkle_tree.json")
    assert len(cases) == 16
    hashes = [leaf_hash(c["leaf_data"].encode()) for c in cases]
    assert hashes == [b64(c["leaf_hash"]) for c in cases]
    store, tree = MemoryTiles(), TiledTree(MemoryTiles(), 0)
    for n, case in enumerate(cases, start=1):
        store.write_tiles(tree.append([hashes[n - 1]]))
        assert root_of(hashes[:n]) == b64(case["root_hash"])
        assert tree.root() == b64(case["root_hash"])
    reopened = TiledTree(store, 16)
    assert [reopened.root(n) for n in range(1, 17)] == [b64(c["root_hash"]) for c in cases]


# ---------------------------------------------------------------- transparency-dev probes


@pytest.mark.parametrize("path", probes("inclusion"), ids=probe_id)
def test_td_inclusion(path: Path) -> None:
    v = json.loads(path.read_text())
    ok = outcome(verify_inclusion, b64(v["leafHash"]), v["leafIdx"], v["treeSize"], b64s(v["proof"]), b64(v["root"]))
    assert ok is not v["wantErr"]


@pytest.mark.parametrize("path", probes("consistency"), ids=probe_id)
def test_td_consistency(path: Path) -> None:
    v = json.loads(path.read_text())
    ok = outcome(verify_consistency, v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), b64s(v["proof"]))
    assert ok is not v["wantErr"]


def test_td_equal_sizes_compare_roots_only() -> None:
    v = json.loads((TD / "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json").read_text())
    assert (v["wantErr"], v["size1"], v["size2"], len(b64(v["root1"]))) == (False, 1, 1, 12)
    verify_consistency(v["size1"], v["size2"], b64(v["root1"]), b64(v["root2"]), [])
    with pytest.raises(ProofError, match="equal sizes but different roots"):
        verify_consistency(1, 1, b64(v["root1"]), b64(v["root1"]) + b"x", [])
    with pytest.raises(ProofError):
        verify_consistency(1, 1, b64(v["root1"]), b64(v["root2"]), [CT_HASHES[0]])


def test_td_probe_counts() -> None:
    assert (len(probes("inclusion")), len(probes("consistency"))) == (98, 98)


def happy(kind: str) -> list[Path]:
    return [p for p in probes(kind) if p.name == "happy-path.json"]


@pytest.mark.parametrize("path", happy("inclusion"), ids=probe_id)
def test_td_inclusion_generation(path: Path) -> None:
    v = json.loads(path.read_text())
    hashes = CT_HASHES[:v["treeSize"]]
    assert hashes[v["leafIdx"]] == b64(v["leafHash"])
    assert root_of(hashes) == b64(v["root"])
    assert inclusion_path(hashes, v["leafIdx"]) == b64s(v["proof"])
    store, tree = MemoryTiles(), TiledTree(MemoryTiles(), 0)
    store.write_tiles(tree.append(CT_HASHES))
    for t in (tree, TiledTree(store, 8)):
        assert t.inclusion_proof(v["leafIdx"], v["treeSize"]) == b64s(v["proof"])
        assert t.root(v["treeSize"]) == b64(v["root"])


@pytest.mark.parametrize("path", happy("consistency"), ids=probe_id)
def test_td_consistency_generation(path: Path) -> None:
    v = json.loads(path.read_text())
    assert root_of(CT_HASHES[:v["size1"]]) == b64(v["root1"])
    assert root_of(CT_HASHES[:v["size2"]]) == b64(v["root2"])
    assert consistency_path(CT_HASHES[:v["size2"]], v["size1"]) == b64s(v["proof"])
    store, tree = MemoryTiles(), TiledTree(MemoryTiles(), 0)
    store.write_tiles(tree.append(CT_HASHES))
    for t in (tree, TiledTree(store, 8)):
        assert t.consistency_proof(v["size1"], v["size2"]) == b64s(v["proof"])


# ---------------------------------------------------------------- CCTV cases


def cctv_cases(name: str) -> list[tuple[str, int]]:
    return [(name, i) for i in range(len(cctv(name)))]


@pytest.mark.parametrize("name,i", cctv_cases("inclusion-valid.json") + cctv_cases("inclusion-invalid.json"))
def test_cctv_inclusion(name: str, i: int) -> None:
    c = cctv(name)[i]
    ok = outcome(verify_inclusion, b64(c["leaf_hash"]), c["leaf_index"], c["tree_size"],
                 b64s(c["inclusion_path"]), b64(c["root_hash"]))
    assert ok is name.endswith("-valid.json")


@pytest.mark.parametrize("name,i", cctv_cases("consistency-valid.json") + cctv_cases("consistency-invalid.json"))
def test_cctv_consistency(name: str, i: int) -> None:
    c = cctv(name)[i]
    ok = outcome(verify_consistency, c["old_size"], c["new_size"], b64(c["old_root"]), b64(c["new_root"]),
                 b64s(c["consistency_path"]))
    assert ok is (name.endswith("-valid.json") and (name, i) not in REFUSED_CCTV_VALID)


def test_refused_vectors_are_exactly_the_empty_tree_ones() -> None:
    valid = cctv("consistency-valid.json")
    assert {("consistency-valid.json", i) for i, c in enumerate(valid) if c["old_size"] == 0} == REFUSED_CCTV_VALID
    for _, i in sorted(REFUSED_CCTV_VALID):
        c = valid[i]
        with pytest.raises(ProofError, match="consistency from the empty tree is not defined"):
            verify_consistency(c["old_size"], c["new_size"], b64(c["old_root"]), b64(c["new_root"]),
                               b64s(c["consistency_path"]))


def test_cctv_generation() -> None:
    hashes = [leaf_hash(c["leaf_data"].encode()) for c in cctv("merkle_tree.json")]
    for c in cctv("inclusion-valid.json"):
        assert inclusion_path(hashes[:c["tree_size"]], c["leaf_index"]) == b64s(c["inclusion_path"])
    for c in cctv("consistency-valid.json"):
        if c["old_size"] > 0:
            assert consistency_path(hashes[:c["new_size"]], c["old_size"]) == b64s(c["consistency_path"])


# ---------------------------------------------------------------- error messages and edges


def test_error_messages() -> None:
    proof = inclusion_path(CT_HASHES, 5)
    root = root_of(CT_HASHES)
    with pytest.raises(ProofError, match="inclusion proof for leaf 5 of 8 does not lead to the root"):
        verify_inclusion(CT_HASHES[4], 5, 8, proof, root)
    with pytest.raises(ProofError, match="hash is 31 bytes, expected 32"):
        verify_inclusion(CT_HASHES[5][:31], 5, 8, proof, root)
    with pytest.raises(ProofError, match="leaf index 8 is not below tree size 8"):
        verify_inclusion(CT_HASHES[5], 8, 8, proof, root)
    with pytest.raises(ProofError, match="has 2 hashes, expected 3"):
        verify_inclusion(CT_HASHES[5], 5, 8, proof[:2], root)
    with pytest.raises(ProofError, match="proof hash 1 is 33 bytes"):
        verify_inclusion(CT_HASHES[5], 5, 8, [proof[0], proof[1] + b"x", proof[2]], root)
    with pytest.raises(ProofError, match="does not lead to the second root"):
        verify_consistency(3, 8, root_of(CT_HASHES[:3]), root_of(CT_HASHES[:7]), consistency_path(CT_HASHES, 3))
    with pytest.raises(ValueError, match="empty tree"):
        consistency_path(CT_HASHES, 0)
    with pytest.raises(ValueError, match="not in a tree of size 8"):
        inclusion_path(CT_HASHES, 8)


def test_small_trees_round_trip() -> None:
    hashes = leaf_hashes([b"%d" % i for i in range(70)])
    for n in range(1, 71):
        root = root_of(hashes[:n])
        for i in range(n):
            verify_inclusion(hashes[i], i, n, inclusion_path(hashes[:n], i), root)
        for m in range(1, n + 1):
            verify_consistency(m, n, root_of(hashes[:m]), root, consistency_path(hashes[:n], m))
            assert len(consistency_ranges(m, n)) == len(consistency_path(hashes[:n], m))


def test_memory_tree_proofs_equal_the_recursive_ones() -> None:
    hashes = leaf_hashes([b"r%d" % i for i in range(70)])
    for n in range(1, 71):
        tree = MerkleTree(hashes[:n])
        assert tree.root() == root_of(hashes[:n])
        for i in range(n):
            assert tree.inclusion_proof(i) == inclusion_path(hashes[:n], i)
        for m in range(1, n + 1):
            assert tree.consistency_proof(m) == consistency_path(hashes[:n], m)
    assert MerkleTree([]).root() == EMPTY_ROOT
