"""The persistent Merkle tree, stored as tiles (the C2SP tlog-tiles layout, tile height 8).

Tile ``(level, index)`` holds the concatenated 32-byte hashes of the nodes at height
``8 * level`` with node indices ``256 * index`` up to ``256 * index + w - 1``; level 0 holds the
leaf hashes. A tile is full (``w = 256``) except the rightmost of a level, which grows as leaves
arrive. A complete subtree of height ``h`` is the root of ``2 ** (h % 8)`` consecutive hashes of
one tile at level ``h // 8``, so a tree head or proof reads a few tiles whatever the tree's size.

:class:`TiledTree` keeps the rightmost partial tile of each level in memory, returns every tile
that an append changed (the caller persists them) and reads everything else through a
:class:`TileStore`, a one-method protocol (:class:`MemoryTiles` is the in-memory one).

>>> from truceline.ledger.merkle import leaf_hashes, root_of
>>> store = MemoryTiles()
>>> tree = TiledTree(store, 0)
>>> hashes = leaf_hashes([b"%d" % i for i in range(1000)])
>>> store.write_tiles(tree.append(hashes))
>>> TiledTree(store, 1000).root(700) == root_of(hashes[:700])
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from truceline.ledger.merkle import EMPTY_ROOT, HASH_SIZE, consistency_ranges, inclusion_ranges, node_hash, root_of

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
_TILE_BYTES = TILE_WIDTH * HASH_SIZE
_CACHE_TILES = 4096  # full tiles kept in memory (32 MiB at most)

TileKey = tuple[int, int]


class TileStore(Protocol):
    """Where tiles live: answers which of ``keys`` it holds."""

    def read_tiles(self, keys: Sequence[TileKey]) -> dict[TileKey, bytes]:
        """The stored tiles among ``keys`` as ``{(level, index): hashes}``; missing keys are left out."""
        ...


class MissingTileError(LookupError):
    """The store lacks a tile (or holds a short one) that the tree's size says must be there."""


class MemoryTiles:
    """A dict-backed :class:`TileStore` (for tests, benchmarks and rebuilding a tree to compare)."""

    def __init__(self) -> None:
        self.tiles: dict[TileKey, bytes] = {}

    def read_tiles(self, keys: Sequence[TileKey]) -> dict[TileKey, bytes]:
        """The held tiles among ``keys``."""
        return {k: self.tiles[k] for k in keys if k in self.tiles}

    def write_tiles(self, tiles: dict[TileKey, bytes]) -> None:
        """Store (or replace) ``tiles``."""
        self.tiles.update(tiles)


def _split_hashes(data: bytes, count: int) -> list[bytes]:
    return [data[i:i + HASH_SIZE] for i in range(0, count * HASH_SIZE, HASH_SIZE)]


def _parts(lo: int, hi: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` as complete subtrees ``(height, index)``, left to right (``lo`` suitably aligned)."""
    parts = []
    while lo < hi:
        height = (hi - lo).bit_length() - 1
        if lo & ((1 << height) - 1):
            raise ValueError(f"range [{lo}, {hi}) is not one that a Merkle proof uses")
        parts.append((height, lo >> height))
        lo += 1 << height
    return parts


class TiledTree:
    """An append-only RFC 9162 tree of ``size`` leaves over a :class:`TileStore`."""

    def __init__(self, store: TileStore, size: int) -> None:
        if size < 0:
            raise ValueError(f"tree size must not be negative, got {size}")
        self._store = store
        self._size = size
        self._edges: list[list[bytes]] | None = None  # rightmost partial tile per level
        self._cache: dict[TileKey, bytes] = {}  # full tiles (never change)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    # ------------------------------------------------------------------ appending

    def append(self, hashes: Sequence[bytes]) -> dict[TileKey, bytes]:
        """Append leaf hashes; returns every tile that changed, in full, keyed ``(level, index)``."""
        for h in hashes:
            if len(h) != HASH_SIZE:
                raise ValueError(f"a leaf hash is {len(h)} bytes, expected {HASH_SIZE}")
        edges = self._load_edges()
        changed: dict[TileKey, bytes] = {}
        new, level = list(hashes), 0
        while new:
            if level == len(edges):
                edges.append([])
            new = self._append_level(level, new, changed)
            level += 1
        self._size += len(hashes)
        return changed

    def _append_level(self, level: int, new: list[bytes], changed: dict[TileKey, bytes]) -> list[bytes]:
        """Add ``new`` nodes to ``level``; returns the nodes this completes on the level above."""
        edges = self._load_edges()
        first = (self._size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT
        nodes = edges[level] + new if edges[level] else new
        full = len(nodes) >> TILE_HEIGHT
        above = []
        for t in range(full):
            tile = nodes[t * TILE_WIDTH:(t + 1) * TILE_WIDTH]
            data = b"".join(tile)
            changed[(level, first + t)] = data
            self._remember(level, first + t, data)
            above.append(root_of(tile))
        rest = nodes[full * TILE_WIDTH:]
        edges[level] = rest
        if rest:
            changed[(level, first + full)] = b"".join(rest)
        return above

    def _remember(self, level: int, index: int, data: bytes) -> None:
        if len(self._cache) >= _CACHE_TILES:
            del self._cache[next(iter(self._cache))]
        self._cache[(level, index)] = data

    # ------------------------------------------------------------------ reading

    def root(self, size: int | None = None) -> bytes:
        """The tree head at ``size`` leaves (default: now); any earlier size works too."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hashes([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves (default: now)."""
        return self._range_hashes(inclusion_ranges(index, self._check_size(size)))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """The RFC 9162 consistency proof from ``size1`` to ``size2`` leaves (default: now), ``size1 > 0``."""
        return self._range_hashes(consistency_ranges(size1, self._check_size(size2)))

    def leaf(self, index: int) -> bytes:
        """The hash of leaf ``index``."""
        if not 0 <= index < self._size:
            raise IndexError(f"leaf index {index} is not below tree size {self._size}")
        return self._subtree_hashes([(0, index)])[(0, index)]

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} is not between 0 and the tree size {self._size}")
        return size

    def _range_hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """The tree head of each leaf range ``[lo, hi)`` (ranges as RFC 9162's recursions make them)."""
        parts = [_parts(lo, hi) for lo, hi in ranges]
        known = self._subtree_hashes(p for ps in parts for p in ps)
        heads = []
        for ps in parts:
            head = known[ps[-1]]
            for p in reversed(ps[:-1]):
                head = node_hash(known[p], head)
            heads.append(head)
        return heads

    def _subtree_hashes(self, subtrees: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The hash of each complete subtree ``(height, index)``, reading the tiles in one go."""
        wanted = set(subtrees)
        where = {}
        for height, index in wanted:
            level, extra = divmod(height, TILE_HEIGHT)
            first = index << extra
            where[(height, index)] = (level, first, 1 << extra)
        tiles = self._fetch({(lv, first >> TILE_HEIGHT) for lv, first, _ in where.values()})
        return {s: root_of(self._nodes(tiles, *at)) for s, at in where.items()}

    def _nodes(self, tiles: dict[TileKey, bytes], level: int, first: int, count: int) -> list[bytes]:
        """Hashes of nodes ``first .. first + count - 1`` at height ``8 * level`` (within one tile)."""
        index, offset = divmod(first, TILE_WIDTH)
        if index == self._edge_index(level):
            return self._load_edges()[level][offset:offset + count]
        data = tiles[(level, index)]
        return _split_hashes(data[offset * HASH_SIZE:], count)

    def _edge_index(self, level: int) -> int:
        return (self._size >> (TILE_HEIGHT * level)) >> TILE_HEIGHT

    def _fetch(self, keys: set[TileKey]) -> dict[TileKey, bytes]:
        """The full tiles among ``keys`` (the edge tiles are held apart), from the cache or the store.

        Returned as a mapping of their own, so that caching one tile can never evict another that
        the same request needs.
        """
        edges = self._load_edges()
        full = [k for k in keys if not (k[0] < len(edges) and k[1] == self._edge_index(k[0]))]
        held = {k: self._cache[k] for k in full if k in self._cache}
        need = sorted(k for k in full if k not in held)
        if not need:
            return held
        found = self._store.read_tiles(need)
        for key in need:
            data = found.get(key)
            if data is None or len(data) < _TILE_BYTES:
                raise MissingTileError(f"tile {key} of a tree of size {self._size} is missing or short in the store "
                                       f"({0 if data is None else len(data)} bytes, expected {_TILE_BYTES})")
            held[key] = bytes(data[:_TILE_BYTES])
            self._remember(*key, held[key])
        return held

    def _load_edges(self) -> list[list[bytes]]:
        """The rightmost partial tile of each level, read from the store once."""
        if self._edges is not None:
            return self._edges
        widths: dict[TileKey, int] = {}
        level = 0
        while self._size >> (TILE_HEIGHT * level):
            count = self._size >> (TILE_HEIGHT * level)
            if count % TILE_WIDTH:
                widths[(level, count >> TILE_HEIGHT)] = count % TILE_WIDTH
            level += 1
        found = self._store.read_tiles(sorted(widths)) if widths else {}
        edges: list[list[bytes]] = [[] for _ in range(level)]
        for (lv, index), width in widths.items():
            data = found.get((lv, index))
            if data is None or len(data) < width * HASH_SIZE:
                raise MissingTileError(f"tile {(lv, index)} of a tree of size {self._size} is missing or short in "
                                       f"the store ({0 if data is None else len(data)} bytes, "
                                       f"expected {width * HASH_SIZE})")
            edges[lv] = _split_hashes(bytes(data), width)
        self._edges = edges
        return edges


__all__ = ["TILE_HEIGHT", "TILE_WIDTH", "MemoryTiles", "MissingTileError", "TileStore", "TiledTree"]
