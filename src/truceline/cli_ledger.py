"""``truceline ledger …``, ``truceline keys …``, ``truceline sign`` and ``truceline witness``: the
evidence ledger from the command line — verify, checkpoint, prove, and what a party runs."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import click
from rich.console import Console

console = Console()


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group()
def ledger() -> None:
    """Verify the evidence log, issue checkpoints, produce proofs."""


def _store_target(path: Path, store: str | None) -> str | Path:
    if store:
        return store
    found = path / "store.sqlite"
    if not found.exists():
        raise click.ClickException(f"{path}: no store.sqlite here (give --store URL for a PostgreSQL store)")
    return found


def _log_key(path: Path | None, given: str | None):
    from truceline.ledger.keyfiles import read_verifier
    if given:
        return read_verifier(given)
    if path is not None and (path / "keys" / "mission.key.pub").exists():
        return read_verifier(path / "keys" / "mission.key.pub")
    return None


@ledger.command("verify")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--log-key", default=None, help="The log's verifier key (string or file); default: "
              "keys/mission.key.pub in the folder, or the key named in a release.")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="Checkpoint to check one item (or a release) against.")
@click.option("--seen", type=click.Path(exists=True, path_type=Path), default=None,
              help="A checkpoint you hold from elsewhere: a split view against it fails.")
@click.option("--store", default=None, help="Store URL instead of PATH/store.sqlite (e.g. postgresql://…).")
def verify(path: Path, log_key: str | None, checkpoint_file: Path | None, seen: Path | None,
           store: str | None) -> None:
    """Verify an output folder's store (re-hashing every stored row), a release (evidence.json) or one item.

    Exits non-zero and names the first leaf or item that fails.
    """
    if path.is_dir():
        _verify_folder(path, log_key, store, seen)
    else:
        _verify_release_file(path, log_key, checkpoint_file, seen)


def _verify_folder(path: Path, log_key: str | None, store_url: str | None, seen: Path | None) -> None:
    from truceline.ledger.verify import LedgerMismatch, verify_store
    from truceline.store.sqlite import Store
    key = _log_key(path, log_key)
    try:
        with Store.open(_store_target(path, store_url)) as store:
            result = verify_store(store, key)
    except LedgerMismatch as exc:
        raise click.ClickException(f"FAILED: {exc}") from None
    signed = "signatures checked" if key else "signatures NOT checked (no log key)"
    console.print(f"[green]OK[/] {path}: {result.leaves} leaves, {result.records} stored records re-hashed, "
                  f"{result.checkpoints} checkpoints ({signed}); root {result.root.hex()}")
    if (path / "evidence.json").exists():
        _verify_release_file(path / "evidence.json", log_key or (str(path / "keys" / "mission.key.pub")
                                                                if key else None), None, seen)


def _verify_release_file(path: Path, log_key: str | None, checkpoint_file: Path | None, seen: Path | None) -> None:
    from truceline.ledger.evidence import EvidenceError, single_item_release, verify_release
    from truceline.ledger.keyfiles import read_verifier
    try:
        release = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path}: not JSON ({exc})") from None
    if "truceline_evidence" not in release:  # one item
        if checkpoint_file is None:
            raise click.ClickException(f"{path}: one item needs --checkpoint")
        try:
            release = single_item_release(release, checkpoint_file.read_text(encoding="utf-8"))
        except EvidenceError as exc:
            raise click.ClickException(f"FAILED {path}: {exc}") from None
    if checkpoint_file is not None:
        release = {**release, "checkpoint": checkpoint_file.read_text(encoding="utf-8")}
    key_text = log_key or release.get("log_key")
    if not key_text:
        raise click.ClickException("no log key: give --log-key")
    try:
        head = verify_release(release, read_verifier(key_text),
                              seen=seen.read_text(encoding="utf-8") if seen else None)
    except (EvidenceError, ValueError) as exc:
        raise click.ClickException(f"FAILED {path}: {exc}") from None
    items = len(release.get("items") or {})
    console.print(f"[green]OK[/] {path}: {items} evidence items prove into checkpoint {head.origin} "
                  f"size {head.size}" + (", consistent with the previous checkpoint" if release.get("previous_checkpoint") else ""))


@ledger.command("checkpoint")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(path_type=Path), default=None,
              help="The log's private key file (default PATH/keys/mission.key).")
@click.option("--origin", default="truceline/local", show_default=True, help="The log's name.")
@click.option("--store", default=None, help="Store URL instead of PATH/store.sqlite.")
@click.option("--every", type=float, default=0.0, help="Seconds between checkpoints (0: issue one and stop).")
@click.option("--count", type=int, default=1, show_default=True, help="How many to issue with --every.")
def checkpoint(path: Path, key_file: Path | None, origin: str, store: str | None, every: float, count: int) -> None:
    """Sign and store a checkpoint of the log now (or on a schedule); print the signed note."""
    from truceline.ledger.keyfiles import read_signer
    from truceline.ledger.log import Ledger
    from truceline.store.sqlite import Store
    signer = read_signer(key_file or path / "keys" / "mission.key")
    with Store.open(_store_target(path, store)) as opened:
        for k in range(max(count, 1)):
            note = Ledger(opened).checkpoint(signer, origin)
            (path / "checkpoint.txt").write_text(note, encoding="utf-8")
            click.echo(note)
            if every > 0 and k + 1 < count:
                time.sleep(every)


@ledger.command("consistency")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--from-size", type=int, required=True, help="The size of the older checkpoint.")
@click.option("--to-size", type=int, default=None, help="The newer size (default: the log now).")
@click.option("--store", default=None)
def consistency(path: Path, from_size: int, to_size: int | None, store: str | None) -> None:
    """Print the consistency proof between two sizes (base64, one hash per line) for a witness."""
    from truceline.ledger.log import Ledger
    from truceline.store.sqlite import Store
    with Store.open(_store_target(path, store)) as opened:
        proof = Ledger(opened).consistency(from_size, to_size)
    for h in proof:
        click.echo(base64.b64encode(h).decode())


@click.command()
@click.option("--state", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The witness's folder: it remembers the last checkpoint it cosigned.")
@click.option("--log-key", required=True, help="The mission log's verifier key (string or file).")
@click.option("--key", "key_file", type=click.Path(exists=True, path_type=Path), required=True,
              help="The witness's own private key file.")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(exists=True, path_type=Path), required=True,
              help="The new checkpoint (signed note) to check and cosign.")
@click.option("--proof", "proof_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="Consistency proof from the last checkpoint seen (output of `truceline ledger consistency`).")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Write the cosigned note here.")
def witness(state: Path, log_key: str, key_file: Path, checkpoint_file: Path, proof_file: Path | None,
            out: Path | None) -> None:
    """Run by a party: check a checkpoint is consistent with the last one seen, then cosign it."""
    from truceline.ledger.keyfiles import read_signer, read_verifier
    from truceline.ledger.witness import WitnessError, witness_cosign
    proof = [base64.b64decode(line) for line in proof_file.read_text().split()] if proof_file else []
    try:
        result = witness_cosign(state, checkpoint_file.read_text(encoding="utf-8"), proof, read_verifier(log_key),
                                read_signer(key_file), int(time.time()))
    except (WitnessError, ValueError) as exc:
        raise click.ClickException(f"REFUSED: {exc}") from None
    if out is not None:
        out.write_text(result.cosigned_note, encoding="utf-8")
    click.echo(result.cosigned_note, nl=False)


@click.group()
def keys() -> None:
    """Make Ed25519 keys and register sources in a keyring."""


@keys.command("generate")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Private key file to write (mode 0600); the verifier key goes to OUT.pub.")
def generate(name: str, out: Path) -> None:
    """Generate a key named NAME (C2SP note key format) and print its verifier key."""
    from truceline.ledger.keyfiles import write_signer
    from truceline.ledger.signing import Signer
    if out.exists():
        raise click.ClickException(f"{out} exists; refusing to overwrite a private key")
    try:
        signer = Signer.generate(name)
    except ValueError as exc:
        raise _fail(exc) from None
    pub = write_signer(out, signer)
    click.echo(signer.verifier.to_string())
    console.print(f"private key: {out} (keep it on the source); verifier key: {pub}", style="dim")


@keys.command("register")
@click.option("--keyring", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The keyring (sources.yaml), created if missing.")
@click.option("--id", "source_id", required=True, help="The source's id (as it signs its manifests).")
@click.option("--kind", required=True, help="sensor_owner | drone_unit | satellite_provider | claims_desk | "
              "mission | witness.")
@click.option("--owner", required=True, help="Who answers for the source.")
@click.option("--key", "key", required=True, help="The source's verifier key (string or .pub file).")
def register(keyring: Path, source_id: str, kind: str, owner: str, key: str) -> None:
    """Register a source's key; low-order, non-canonical or reused keys are refused."""
    from truceline.ledger.keyfiles import read_verifier
    from truceline.ledger.keyring import Keyring
    try:
        ring = Keyring.load(keyring) if keyring.exists() else Keyring()
        ring.register(source_id, kind, owner, read_verifier(key))
    except ValueError as exc:
        raise click.ClickException(f"REFUSED: {exc}") from None
    ring.save(keyring)
    console.print(f"registered {source_id} ({kind}, {owner}) in {keyring}")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, path_type=Path), required=True,
              help="The source's private key file.")
@click.option("--source", "source_id", required=True, help="The source id registered in the mission's keyring.")
@click.option("--sequence", type=int, required=True, help="This delivery's number (1, 2, 3 … per source; "
              "a gap shows as withheld evidence).")
@click.option("--start", default=None, help="Start of the time range covered (ISO 8601 UTC; default: now).")
@click.option("--end", default=None, help="End of the time range covered (ISO 8601 UTC; default: now).")
def sign(files: tuple[Path, ...], key_file: Path, source_id: str, sequence: int, start: str | None,
         end: str | None) -> None:
    """Sign each file as a source would: writes FILE.manifest.json beside it."""
    from datetime import datetime, timezone
    from truceline.ledger.keyfiles import read_signer
    from truceline.ledger.manifest import sign_manifest, write_sidecar
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    try:
        signer = read_signer(key_file)
        for k, path in enumerate(files):
            manifest = sign_manifest([path], source_id, sequence + k, (start or now, end or now), signer, now)
            console.print(f"{write_sidecar(path, manifest)} (sequence {sequence + k})")
    except ValueError as exc:
        raise _fail(exc) from None
