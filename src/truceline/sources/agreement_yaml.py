"""Read and write agreement files: YAML with inline GeoJSON or GeoJSON files beside it.

>>> history = load_agreement()            # the bundled demo agreement  # doctest: +SKIP
>>> history.at(1_795_000_000).version     # the version in force then   # doctest: +SKIP

Every failure is an :class:`~truceline.model.agreement.AgreementError` naming the file, the
field path and the reason, one line per problem. The format is described in ``docs/agreement.md``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence, get_args

import numpy as np
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from truceline.model.agreement import (Agreement, AgreementError, AgreementHistory, Amendment, Issue,
                                       format_time)

GEOMETRY_FIELDS = ("contact_line", "reference_lines.*", "parties[*].area", "disengagement_areas[*].area")
"""Fields that hold a geometry: an inline GeoJSON mapping or a path relative to the YAML file."""
FIXED_BY_AMENDMENT = ("truceline_agreement", "version", "effective_time", "amendments")
_AMENDMENTS = TypeAdapter(list[Amendment])


# --------------------------------------------------------------------------- YAML dialect

class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps (times stay strings) and with duplicate-key errors."""

    yaml_implicit_resolvers = {
        k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of numbers (coordinates) which go on one flow line; no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_is_numeric(data))


def _is_numeric(data: Any) -> bool:
    if isinstance(data, (list, tuple)):
        return bool(data) and all(_is_numeric(x) for x in data)
    return isinstance(data, (int, float, np.integer, np.floating)) and not isinstance(data, bool)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)
_Dumper.add_multi_representer(np.generic, lambda d, x: d.represent_data(x.item()))


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; a syntax error names the file, line and column."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506  (_Loader is a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "YAML"
        problem = getattr(exc, "problem", None) or str(exc)
        raise AgreementError(source, [Issue(where, f"YAML syntax error: {problem}")]) from None


def dump_agreement_yaml(document: Mapping[str, Any]) -> str:
    """An agreement document as YAML text (keys in document order)."""
    body = yaml.dump(dict(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "# Truceline agreement (format: docs/agreement.md)\n" + body


# --------------------------------------------------------------------------- geometry files

def _geometry_slots(doc: Any, prefix: str = "") -> Iterator[tuple[dict[Any, Any], Any, str]]:
    """(container, key, path) for every geometry field present in a (partial) document."""
    if not isinstance(doc, dict):
        return
    if "contact_line" in doc:
        yield doc, "contact_line", f"{prefix}contact_line"
    if isinstance(doc.get("reference_lines"), dict):
        for k in doc["reference_lines"]:
            yield doc["reference_lines"], k, f"{prefix}reference_lines.{k}"
    for field in ("parties", "disengagement_areas"):
        items = doc.get(field)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and "area" in item:
                yield item, "area", f"{prefix}{field}[{i}].area"


def resolve_geometry_files(doc: Any, base_dir: Path, source: str) -> list[Issue]:
    """Replace geometry fields given as file paths by the GeoJSON they hold (in place)."""
    issues: list[Issue] = []
    parts = [(doc, "")]
    if isinstance(doc, dict) and isinstance(doc.get("amendments"), list):
        parts += [(a.get("changes"), f"amendments[{i}].changes.")
                  for i, a in enumerate(doc["amendments"]) if isinstance(a, dict)]
    for part, prefix in parts:
        for container, key, path in list(_geometry_slots(part, prefix)):
            if isinstance(container[key], str):
                try:
                    container[key] = read_geojson(base_dir / container[key])
                except (OSError, ValueError) as exc:
                    issues.append(Issue(path, f"geometry file {container[key]!r}: {exc}"))
    return issues


def read_geojson(path: Path) -> dict[str, Any]:
    """A GeoJSON file as a mapping; clear errors for a missing or malformed file."""
    if not path.is_file():
        raise ValueError(f"not found (looked for {path})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("not a GeoJSON object (no 'type')")
    return data


# --------------------------------------------------------------------------- documents → history

def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, ``null`` removes a key, anything else replaces."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def history_from_document(doc: Any, source: str = "<agreement>") -> AgreementHistory:
    """Validate a document (geometry paths already resolved) into all its dated versions."""
    if not isinstance(doc, dict):
        raise AgreementError(source, [Issue("", "an agreement must be a YAML mapping (key: value ...)")])
    base_doc = {k: v for k, v in doc.items() if k != "amendments"}
    base, issues = _validate(base_doc, ())
    amendments: list[Amendment] = []
    try:
        amendments = _AMENDMENTS.validate_python(doc.get("amendments", []))
    except ValidationError as exc:
        issues += issues_from_validation_error(exc, ("amendments",))
    issues += _amendment_order_issues(amendments, base)
    if issues or base is None:
        raise AgreementError(source, issues)
    versions, current = [base], base_doc
    for i, am in enumerate(amendments):
        current = merge(current, am.changes) | {"version": am.version, "effective_time": format_time(am.effective_from)}
        version, more = _validate(current, ())
        issues += [_blame(issue, i, am) for issue in more]
        if version is not None:
            versions.append(version)
    if issues:
        raise AgreementError(source, issues)
    return AgreementHistory(tuple(versions), source)


def _validate(doc: dict[str, Any], prefix: Sequence[int | str]) -> tuple[Agreement | None, list[Issue]]:
    try:
        return Agreement.model_validate(doc), []
    except ValidationError as exc:
        return None, issues_from_validation_error(exc, prefix)


def _amendment_order_issues(amendments: Sequence[Amendment], base: Agreement | None) -> list[Issue]:
    issues = []
    previous = base.effective_time if base is not None else None
    labels = {base.version} if base is not None else set()
    for i, am in enumerate(amendments):
        for key in am.changes:
            if key in FIXED_BY_AMENDMENT:
                issues.append(Issue(f"amendments[{i}].changes.{key}", "cannot be changed by an amendment"))
        if previous is not None and am.effective_from <= previous:
            issues.append(Issue(f"amendments[{i}].effective_from",
                                f"must be after the previous version's effective time ({format_time(previous)})"))
        if am.version in labels:
            issues.append(Issue(f"amendments[{i}].version", f"duplicate version label {am.version!r}"))
        previous = am.effective_from
        labels.add(am.version)
    return issues


def _blame(issue: Issue, index: int, am: Amendment) -> Issue:
    head = issue.path.split(".")[0].split("[")[0]
    if head in am.changes:
        return Issue(f"amendments[{index}].changes.{issue.path}", issue.reason)
    return Issue(issue.path, f"{issue.reason} (in version {am.version!r}, amendments[{index}])")


def issues_from_validation_error(exc: ValidationError, prefix: Sequence[int | str] = ()) -> list[Issue]:
    """Each pydantic error as an :class:`Issue` with a readable path and reason."""
    issues: list[Issue] = []
    errors = exc.errors()
    for err in errors:
        loc = (*prefix, *err["loc"])
        if err["type"] == "too_short" and any(len(e["loc"]) > len(err["loc"]) and
                                              e["loc"][:len(err["loc"])] == err["loc"] for e in errors):
            continue  # "too few items" only because an item itself failed
        if err["type"] == "agreement":
            for line in str(err["ctx"]["issues"]).splitlines():
                sub, _, reason = line.partition("\t")
                issues.append(Issue(".".join(p for p in (format_path(loc), sub) if p), reason))
        else:
            issues.append(Issue(format_path(loc), _explain(err, tuple(err["loc"]), bool(prefix))))
    return issues


def format_path(loc: Sequence[int | str]) -> str:
    """``('parties', 1, 'area')`` -> ``'parties[1].area'``."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(err: Any, loc: tuple[int | str, ...], in_amendments: bool) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(Amendment if in_amendments else Agreement, loc[1:-1] if in_amendments else loc[:-1])
        return f"unknown field {loc[-1]!r}" + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "too_short":
        return f"needs at least {err['ctx']['min_length']} items, has {err['ctx']['actual_length']}"
    if kind == "value_error":
        return str(msg).removeprefix("Value error, ")
    if loc and loc[-1] == "truceline_agreement":
        return f"unsupported format version {err.get('input')!r}; this Truceline reads format 1"
    shown = repr(err.get("input"))
    return f"{msg} (got {shown[:60] + '…' if len(shown) > 60 else shown})"


def _fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names of the model found by walking ``loc`` from ``model`` (empty if lost)."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        found = _model_in(field.annotation) if field is not None else None
        if found is None:
            return []
        model = found
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- files

def read_agreement_document(path: str | Path) -> dict[str, Any]:
    """The YAML document with geometry file paths replaced by their GeoJSON (not validated)."""
    p = Path(path)
    source = p.name
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise AgreementError(str(p), [Issue("", f"cannot read the file: {exc.strerror or exc}")]) from None
    doc = parse_yaml(text, source)
    issues = resolve_geometry_files(doc, p.parent, source)
    if issues:
        raise AgreementError(source, issues)
    return doc  # type: ignore[no-any-return]


def demo_agreement_path() -> Path:
    """The bundled demo agreement."""
    return Path(str(resources.files("truceline") / "data" / "demo" / "agreement.yaml"))


def load_agreement(path: str | Path | None = None) -> AgreementHistory:
    """Load and validate an agreement file (the bundled demo with no argument)."""
    p = Path(path) if path is not None else demo_agreement_path()
    return history_from_document(read_agreement_document(p), p.name)


def write_agreement(agreement: Agreement | Mapping[str, Any], path: str | Path) -> Path:
    """Write an agreement (or a raw document, e.g. with amendments) as YAML; returns the path."""
    doc = agreement.to_document() if isinstance(agreement, Agreement) else agreement
    p = Path(path)
    p.write_text(dump_agreement_yaml(doc), encoding="utf-8")
    return p


def is_agreement_file(path: str | Path) -> bool:
    """True for a ``.yaml``/``.yml`` file that declares ``truceline_agreement`` (format sniffing)."""
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml") or not p.is_file():
        return False
    with p.open(encoding="utf-8", errors="replace") as fh:
        return "truceline_agreement" in fh.read(4096)


__all__ = ["GEOMETRY_FIELDS", "demo_agreement_path", "dump_agreement_yaml",
           "format_path", "history_from_document", "is_agreement_file", "issues_from_validation_error", "load_agreement", "merge",
           "parse_yaml", "read_agreement_document", "read_geojson", "resolve_geometry_files", "write_agreement"]
