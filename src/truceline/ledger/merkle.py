"""RFC 9162 Merkle tree hashing, proofs and proof verification (SHA-256).

Hashes are 32-byte ``bytes``: ``leaf_hash(d) = SHA-256(0x00 || d)``, ``node_hash(l, r) =
SHA-256(0x01 || l || r)`` and the empty tree's head is ``SHA-256("")`` (RFC 9162 §2.1.1).
The functions here work on in-memory lists of leaf hashes; :mod:`truceline.ledger.tree` builds
the same tree persistently, as tiles, and shares the proof shapes below
(:func:`inclusion_ranges`, :func:`consistency_ranges`).

Verification raises :class:`ProofError` saying what failed. It rejects a leaf index not below
the tree size, any hash (leaf, root or proof element) that is not 32 bytes and a proof of the
wrong length, then follows RFC 9162 §2.1.3.2 / §2.1.4.2. One exception, as transparency-dev: a
consistency check between equal sizes only compares the two roots (and wants an empty proof).

Consistency from the empty tree: RFC 9162 §2.1.4 (like RFC 6962) defines consistency proofs only
for ``0 < size1 <= size2``. Truceline follows it and transparency-dev/merkle: every proof with
``size1 = 0`` is refused, even ``(0, 0)`` and ``(0, n)`` with the empty-tree hash as first root
and an empty proof, which the CCTV vector set counts as valid. Any tree is trivially consistent
with the empty one, so such a "proof" proves nothing; a caller that wants to accept it checks
``size1 == 0`` itself.

>>> root_of([leaf_hash(b"a"), leaf_hash(b"b")]).hex()[:16]
'b137985ff484fb60'
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

_LEAF = b"\x00"
_NODE = b"\x01"


class ProofError(ValueError):
    """A Merkle proof that does not verify, with what failed."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one leaf."""
    return sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an inner node."""
    return sha256(_NODE + left + right).digest()


def leaf_hashes(datas: Sequence[bytes]) -> list[bytes]:
    """The leaf hash of each of ``datas``, in order."""
    h, prefix = sha256, _LEAF
    return [h(prefix + d).digest() for d in datas]


def root_of(hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree head over leaf hashes ``hashes`` (:data:`EMPTY_ROOT` for none).

    Pairs neighbours level by level; an odd last hash is carried up unchanged, which gives the
    RFC 9162 tree (split at the largest power of two below the size).
    """
    if not hashes:
        return EMPTY_ROOT
    h, prefix = sha256, _NODE
    level = list(hashes)
    while len(level) > 1:
        odd = level[-1] if len(level) & 1 else None
        pairs = iter(level)
        level = [h(prefix + a + b).digest() for a, b in zip(pairs, pairs)]
        if odd is not None:
            level.append(odd)
    return level[0]


def split(width: int) -> int:
    """The largest power of two strictly below ``width`` (``width >= 2``): RFC 9162's ``k``."""
    return 1 << ((width - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges ``[lo, hi)`` whose tree heads form the inclusion proof, in proof order.

    RFC 9162 §2.1.3.1 ``PATH(index, D[0:size])`` written as ranges, so that any tree (in memory or
    tiled) can fill them in. Raises ``ValueError`` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose tree heads form the consistency proof from ``size1`` to ``size2``.

    RFC 9162 §2.1.4.1 ``PROOF(size1, D[0:size2])`` as ranges, in proof order. Defined for
    ``0 < size1 <= size2`` only (see the module docstring); raises ``ValueError`` otherwise.
    """
    if not 0 < size1 <= size2:
        raise ValueError(f"a consistency proof needs 0 < size1 <= size2, got {size1} and {size2} "
                         "(consistency from the empty tree is not defined, RFC 9162 §2.1.4)")
    ranges = []
    lo, hi, whole = 0, size2, True
    while size1 != hi:
        mid = lo + split(hi - lo)
        if size1 <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo, whole = mid, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def inclusion_path(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree over all of ``hashes``."""
    return [root_of(hashes[lo:hi]) for lo, hi in inclusion_ranges(index, len(hashes))]


def consistency_path(hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """The consistency proof from the first ``size1`` leaves to all of ``hashes`` (``size1 > 0``)."""
    return [root_of(hashes[lo:hi]) for lo, hi in consistency_ranges(size1, len(hashes))]


class MerkleTree:
    """An in-memory tree keeping every complete subtree's hash: each proof costs O(log n) hashes.

    For proving many records of one batch; :func:`inclusion_path` rebuilds the tree per call.

    >>> t = MerkleTree([leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c")])
    >>> t.inclusion_proof(2) == inclusion_path(t.levels[0], 2)
    True
    """

    def __init__(self, hashes: Sequence[bytes]) -> None:
        levels = [list(hashes)]
        while len(levels[-1]) > 1:
            below = iter(levels[-1])
            levels.append([sha256(_NODE + a + b).digest() for a, b in zip(below, below)])
        self.levels = levels
        """``levels[h][i]``: the hash of the complete subtree of leaves ``[i * 2**h, (i + 1) * 2**h)``."""

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def root(self) -> bytes:
        return self._head(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        return [self._head(lo, hi) for lo, hi in inclusion_ranges(index, self.size)]

    def consistency_proof(self, size1: int) -> list[bytes]:
        return [self._head(lo, hi) for lo, hi in consistency_ranges(size1, self.size)]

    def _head(self, lo: int, hi: int) -> bytes:
        """The head of leaves ``[lo, hi)``: complete subtrees left to right, folded from the right."""
        if lo == hi:
            return EMPTY_ROOT
        parts = []
        while lo < hi:
            height = (hi - lo).bit_length() - 1
            while lo & ((1 << height) - 1):
                height -= 1
            parts.append(self.levels[height][lo >> height])
            lo += 1 << height
        head = parts[-1]
        for p in reversed(parts[:-1]):
            head = node_hash(p, head)
        return head


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes], expected: int, what: str) -> None:
    if len(proof) != expected:
        raise ProofError(f"{what} has {len(proof)} hashes, expected {expected}")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof hash {i}")


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with head ``root``.

    RFC 9162 §2.1.3.2. Returns ``None``; raises :class:`ProofError` saying what failed.
    """
    what = f"inclusion proof for leaf {index} of {size}"
    if index < 0 or size < 0:
        raise ProofError(f"{what}: index and size must not be negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root")
    inner = (index ^ (size - 1)).bit_length()
    _check_proof(proof, inner + (index >> inner).bit_count(), what)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r != root:
        raise ProofError(f"{what} does not lead to the root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``size2`` leaves with head ``root2`` extends the one of ``size1``.

    RFC 9162 §2.1.4.2; equal sizes need an empty proof and equal roots. ``size1 = 0`` is refused
    (consistency from the empty tree is not defined; see the module docstring). Raises
    :class:`ProofError` saying what failed.
    """
    what = f"consistency proof from {size1} to {size2}"
    if size1 < 0 or size2 < 0:
        raise ProofError(f"{what}: sizes must not be negative")
    if size1 > size2:
        raise ProofError(f"{what}: the first tree is larger than the second")
    if size1 == 0:
        raise ProofError("consistency from the empty tree is not defined (RFC 9162 §2.1.4); nothing to prove")
    if size1 == size2:
        _check_proof(proof, 0, what)
        if root1 != root2:
            raise ProofError(f"{what}: equal sizes but different roots")
        return  # like transparency-dev, equal sizes only compare the roots (whatever their length)
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    _verify_consistency_path(size1, size2, root1, root2, proof, what)


def _verify_consistency_path(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes],
                             what: str) -> None:
    shift = (size1 & -size1).bit_length() - 1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    seeded = size1 == 1 << shift
    _check_proof(proof, (0 if seeded else 1) + inner - shift + ((size1 - 1) >> inner).bit_count(), what)
    path = [root1, *proof] if seeded else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != root1:
        raise ProofError(f"{what} does not lead to the first root")
    if sr != root2:
        raise ProofError(f"{what} does not lead to the second root")
