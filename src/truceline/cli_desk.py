"""``truceline serve`` (the API over processed days) and ``truceline tokens`` (who may call it)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

console = Console()

DATA_HELP = ("A processed folder (truceline demo / process output, with run.json) or a folder of them, one "
             "per day.")


def _store_of(data: Path, store: str | None):
    from truceline.store import Store
    return Store.open(store or Path(data) / "store.sqlite")


@click.command()
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("truceline-demo"),
              show_default=True, help=DATA_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8470, show_default=True, help="Port to listen on.")
@click.option("--store", default=None, help="Store URL or path (default DATA/store.sqlite).")
@click.option("--mission-key", type=click.Path(path_type=Path), default=None,
              help="The log's private key file (default DATA/keys/mission.key).")
@click.option("--origin", default="truceline/mission", show_default=True, help="The log's name in its checkpoints.")
@click.option("--public-delay-h", type=float, default=24.0, show_default=True,
              help="Hours after publication before the public sees a finding.")
@click.option("--public-grid-deg", type=float, default=0.1, show_default=True,
              help="Grid the public's positions are rounded to (degrees; 0.1 is about 10 km).")
@click.option("--webhook", "webhooks", multiple=True, metavar="PARTY=URL",
              help="Post every publication to this party's URL (signed); repeat per party.")
@click.option("--keyring", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Registered sources whose signed batches /v1/ingest accepts (default DATA/scenario/sources.yaml "
                   "if present).")
def serve(data: Path, host: str, port: int, store: str | None, mission_key: Path | None, origin: str,
          public_delay_h: float, public_grid_deg: float, webhooks: tuple[str, ...], keyring: Path | None) -> None:
    """Serve the API (and its OpenAPI document at /docs and /openapi.json) over processed days."""
    import uvicorn

    from truceline.api import Desk, ServeSettings, create_app
    hooks = {}
    for w in webhooks:
        party, sep, url = w.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"{w!r}: expected PARTY=http(s)://…", param_hint="--webhook")
        hooks[party] = url
    if keyring is None and (data / "scenario" / "sources.yaml").exists():
        keyring = data / "scenario" / "sources.yaml"
    settings = ServeSettings(data=data, store=store, mission_key=mission_key, origin=origin,
                             public_delay_h=public_delay_h, public_grid_deg=public_grid_deg, webhooks=hooks,
                             keyring=keyring)
    try:
        desk = Desk.open(settings)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    n_cases = len(desk.cases(_mission()))
    import gc
    gc.collect()
    gc.freeze()   # the served days are millions of long-lived objects: keep the collector from rescanning them
    console.print(f"Serving {len(desk.days)} day(s) from {data} ({n_cases} review items); "
                  f"API at http://{host}:{port}/v1, OpenAPI at http://{host}:{port}/docs")
    console.print("Without a token a caller is the public; create tokens with `truceline tokens add`.")
    try:
        uvicorn.run(create_app(desk), host=host, port=port, log_level="warning")
    finally:
        desk.close()


def _mission():
    from truceline.model.desk import Principal
    return Principal("", "cli", "analyst")


@click.group()
def tokens() -> None:
    """Create, list and revoke API tokens (stored as argon2 hashes; a token is shown once)."""


@tokens.command("add")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("truceline-demo"),
              show_default=True, help=DATA_HELP)
@click.option("--store", default=None, help="Store URL or path (default DATA/store.sqlite).")
@click.option("--name", required=True, help="Who holds the token (a person or system).")
@click.option("--role", required=True,
              type=click.Choice(["analyst", "publisher", "liaison", "coalition", "operator"]), help="Its role.")
@click.option("--party", default="", help="The party a liaison speaks for, or the owner whose sensors an operator runs.")
def tokens_add(data: Path, store: str | None, name: str, role: str, party: str) -> None:
    """Create a token and print it (once: only its hash is kept)."""
    from truceline.api.auth import issue_token
    with _store_of(data, store) as s:
        try:
            token = issue_token(s, name, role, party)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(token)


@tokens.command("list")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("truceline-demo"),
              show_default=True, help=DATA_HELP)
@click.option("--store", default=None, help="Store URL or path (default DATA/store.sqlite).")
def tokens_list(data: Path, store: str | None) -> None:
    """List tokens: id, holder, role, party, created, revoked."""
    with _store_of(data, store) as s:
        rows = s.tokens()
    table = Table("token id", "name", "role", "party", "created", "revoked")
    for r in rows:
        table.add_row(r["token_id"], r["name"], r["role"], r["party"], r["created_at"], r["revoked_at"])
    console.print(table)


@tokens.command("revoke")
@click.argument("token_id")
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("truceline-demo"),
              show_default=True, help=DATA_HELP)
@click.option("--store", default=None, help="Store URL or path (default DATA/store.sqlite).")
def tokens_revoke(token_id: str, data: Path, store: str | None) -> None:
    """Revoke a token (a running server stops accepting it within a minute)."""
    with _store_of(data, store) as s:
        if not s.revoke_token(token_id):
            raise click.ClickException(f"no active token {token_id!r}")
    click.echo(f"revoked {token_id}")
