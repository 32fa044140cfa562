"""The evidence ledger: an RFC 9162 Merkle log of every input batch, quarantined record, run and
human decision, with Ed25519-signed sources, signed checkpoints and witness cosignatures.

``merkle`` (hashing, proofs, verification), ``tree`` (the tiled, persistent tree), ``signing``
(the one Ed25519 rule), ``note`` (C2SP signed notes, checkpoints, cosignatures), ``manifest``
(signed batch manifests and the source keyring), ``witness`` (what a party runs), ``records``
(canonical record bytes and leaf payloads), ``log`` (the ledger over the store).
"""
