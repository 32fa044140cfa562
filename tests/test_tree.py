"""The tiled tree equals the in-memory RFC 9162 tree after any sequence of appends, and its proofs verify."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

import truceline.ledger.tree as tree_module
from truceline.ledger.merkle import (consistency_path, inclusion_path, leaf_hashes, root_of, verify_consistency,
                                     verify_inclusion)
from truceline.ledger.tree import MemoryTiles, TiledTree


def build(chunks: list[int]) -> tuple[MemoryTiles, TiledTree, list[bytes], list[int]]:
    """Append ``chunks`` leaves at a time; returns tiles, tree, all hashes and the size after each chunk."""
    tiles, tree = MemoryTiles(), TiledTree(MemoryTiles(), 0)
    tree = TiledTree(tiles, 0)
    hashes = leaf_hashes([b"leaf %d" % i for i in range(sum(chunks))])
    sizes, done = [], 0
    for n in chunks:
        tiles.write_tiles(tree.append(hashes[done:done + n]))
        done += n
        sizes.append(done)
    return tiles, tree, hashes, sizes


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.integers(1, 700), min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1))
def test_any_append_sequence_gives_the_rfc_tree_and_verifiable_proofs(chunks: list[int], seed: int) -> None:
    tiles, tree, hashes, sizes = build(chunks)
    reopened = TiledTree(tiles, len(hashes))
    rng = random.Random(seed)
    for n in sizes:
        root = root_of(hashes[:n])
        assert tree.root(n) == reopened.root(n) == root
        for i in {0, n - 1, rng.randrange(n)}:
            proof = reopened.inclusion_proof(i, n)
            assert proof == tree.inclusion_proof(i, n) == inclusion_path(hashes[:n], i)
            verify_inclusion(hashes[i], i, n, proof, root)
        for m in {1, n, rng.randrange(1, n + 1)}:
            proof = reopened.consistency_proof(m, n)
            assert proof == consistency_path(hashes[:n], m)
            verify_consistency(m, n, root_of(hashes[:m]), root, proof)


def test_three_tile_levels_and_a_small_cache(monkeypatch) -> None:
    monkeypatch.setattr(tree_module, "_CACHE_TILES", 3)  # evictions in the middle of a request
    tiles, tree, hashes, _ = build([1, 255, 65_536, 4_000, 311])
    n = len(hashes)
    reopened = TiledTree(tiles, n)
    assert reopened.root() == root_of(hashes)
    rng = random.Random(7)
    for _ in range(40):
        size = rng.randrange(1, n + 1)
        i, m = rng.randrange(size), rng.randrange(1, size + 1)
        root = reopened.root(size)
        verify_inclusion(hashes[i], i, size, reopened.inclusion_proof(i, size), root)
        verify_consistency(m, size, reopened.root(m), root, reopened.consistency_proof(m, size))
        assert reopened.leaf(i) == hashes[i]


def test_a_flipped_tile_byte_is_seen() -> None:
    """A flipped byte in an inner tile changes the head; in a leaf tile, the leaf hash it holds
    (which ``ledger verify`` compares with the re-hashed leaf payloads)."""
    tiles, tree, hashes, _ = build([3_000])
    root = root_of(hashes)
    rng = random.Random(3)
    for key in sorted(tiles.tiles):
        data = bytearray(tiles.tiles[key])
        at = rng.randrange(len(data))
        data[at] ^= 0x40
        changed = MemoryTiles()
        changed.write_tiles({**tiles.tiles, key: bytes(data)})
        bad = TiledTree(changed, len(hashes))
        if key[0] == 0:
            i = key[1] * 256 + at // 32
            assert bad.leaf(i) != hashes[i]
        else:
            assert bad.root() != root, key
