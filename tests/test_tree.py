"""The tiled tree equals the in-memory RFC 9162 tree after any sequence of appends, and its proofs verify."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import truceline.ledger.tree as tree_module
from truceline.ledger.merkle import (EMPTY_ROOT, ProofError, consistency_path, inclusion_path, leaf_hashes, root_of,
                                     verify_consistency, verify_inclusion)
from truceline.ledger.tree import TILE_WIDTH, MemoryTiles, MissingTileError, TiledTree

BIG = [1, 255, 65_536, 4_000, 311]  # 70,103 leaves: level-0, level-1 and level-2 tiles, full and partial


def build(chunks: list[int]) -> tuple[MemoryTiles, TiledTree, list[bytes], list[int]]:
    """Append ``chunks`` leaves at a time; returns tiles, tree, all hashes and the size after each chunk."""
    tiles = MemoryTiles()
    tree = TiledTree(tiles, 0)
    hashes = leaf_hashes([b"leaf %d" % i for i in range(sum(chunks))])
    sizes, done = [], 0
    for n in chunks:
        tiles.write_tiles(tree.append(hashes[done:done + n]))
        done += n
        sizes.append(done)
    return tiles, tree, hashes, sizes


def check_size(trees: list[TiledTree], hashes: list[bytes], n: int, rng: random.Random) -> None:
    """Head, some inclusion and some consistency proofs at size ``n`` equal the in-memory tree's and verify."""
    root = root_of(hashes[:n])
    assert all(t.root(n) == root for t in trees)
    for i in {0, n - 1, *(rng.randrange(n) for _ in range(4))}:
        proof = inclusion_path(hashes[:n], i)
        assert all(t.inclusion_proof(i, n) == proof for t in trees)
        verify_inclusion(hashes[i], i, n, proof, root)
    for m in {1, n, *(rng.randrange(1, n + 1) for _ in range(4))}:
        proof = consistency_path(hashes[:n], m)
        assert all(t.consistency_proof(m, n) == proof for t in trees)
        verify_consistency(m, n, root_of(hashes[:m]), root, proof)


@settings(max_examples=60, deadline=None)
@given(chunks=st.lists(st.integers(1, 600), min_size=1, max_size=6), seed=st.integers(0, 2**32 - 1))
def test_any_append_sequence_gives_the_rfc_tree_and_verifiable_proofs(chunks: list[int], seed: int) -> None:
    tiles, tree, hashes, sizes = build(chunks)
    reopened = TiledTree(tiles, len(hashes))
    rng = random.Random(seed)
    for n in sizes:
        check_size([tree, reopened], hashes, n, rng)
    assert tree.root(0) == reopened.root(0) == EMPTY_ROOT
    assert [reopened.leaf(i) for i in range(len(hashes))] == hashes


@settings(max_examples=30, deadline=None)
@given(chunks=st.lists(st.integers(1, 600), min_size=2, max_size=5), data=st.data())
def test_reopening_at_an_earlier_size_and_appending_again_gives_the_same_tiles(chunks: list[int],
                                                                             data: st.DataObject) -> None:
    tiles, tree, hashes, sizes = build(chunks)
    n = data.draw(st.sampled_from(sizes[:-1]))
    earlier = TiledTree(tiles, n)  # its rightmost tiles are stored wider than it
    assert earlier.root() == root_of(hashes[:n])
    again = MemoryTiles()
    again.write_tiles({k: v for k, v in tiles.tiles.items()})
    replay = TiledTree(again, n)
    again.write_tiles(replay.append(hashes[n:]))
    assert again.tiles == tiles.tiles
    assert replay.root() == tree.root() == root_of(hashes)


def test_three_tile_levels_and_a_small_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree_module, "_CACHE_TILES", 3)  # evictions in the middle of a request
    tiles, tree, hashes, sizes = build(BIG)
    n = len(hashes)
    assert max(level for level, _ in tiles.tiles) == 2
    reopened = TiledTree(tiles, n)
    rng = random.Random(7)
    for size in sizes:
        assert reopened.root(size) == tree.root(size) == root_of(hashes[:size])
    check_size([tree, reopened], hashes, n, rng)
    for _ in range(40):
        size = rng.randrange(1, n + 1)
        i, m = rng.randrange(size), rng.randrange(1, size + 1)
        root = reopened.root(size)
        verify_inclusion(hashes[i], i, size, reopened.inclusion_proof(i, size), root)
        verify_consistency(m, size, reopened.root(m), root, reopened.consistency_proof(m, size))
        assert reopened.leaf(i) == hashes[i]


def tampering_is_seen(tiles: MemoryTiles, key: tuple[int, int], at: int, n: int, root: bytes) -> bool:
    """Flip byte ``at`` of tile ``key``: the head of the ``n`` leaves changes, or a proof through that node fails."""
    data = bytearray(tiles.tiles[key])
    data[at] ^= 0x40
    changed = MemoryTiles()
    changed.write_tiles({**tiles.tiles, key: bytes(data)})
    bad = TiledTree(changed, n)
    if bad.root() != root:
        return True
    level, index = key
    node = index * TILE_WIDTH + at // 32  # the flipped node, at height 8 * level
    for leaf in {node << (8 * level), (node ^ 1) << (8 * level)}:  # a leaf under it, one beside it
        if leaf < n:
            try:
                verify_inclusion(bad.leaf(leaf), leaf, n, bad.inclusion_proof(leaf), root)
            except ProofError:
                return True
    return False


@pytest.mark.parametrize("chunks", [[3_000], BIG], ids=["3000", "70103"])
def test_a_flipped_tile_byte_is_seen(chunks: list[int]) -> None:
    tiles, _, hashes, _ = build(chunks)
    rng, root = random.Random(3), root_of(hashes)
    for key in sorted(tiles.tiles):
        for at in (0, len(tiles.tiles[key]) - 1, rng.randrange(len(tiles.tiles[key]))):
            assert tampering_is_seen(tiles, key, at, len(hashes), root), (key, at)


def test_bad_input_and_missing_tiles() -> None:
    tiles, tree, hashes, _ = build([600])
    with pytest.raises(ValueError, match="31 bytes"):
        tree.append([b"x" * 31])
    with pytest.raises(ValueError, match="not between 0 and the tree size 600"):
        tree.root(601)
    with pytest.raises(ValueError, match="empty tree"):
        tree.consistency_proof(0)
    with pytest.raises(IndexError):
        tree.leaf(600)
    del tiles.tiles[(0, 0)]
    with pytest.raises(MissingTileError, match=r"tile \(0, 0\)"):
        TiledTree(tiles, 600).inclusion_proof(3)
    del tiles.tiles[(0, 2)]
    with pytest.raises(MissingTileError, match=r"tile \(0, 2\)"):
        TiledTree(tiles, 600).root()
