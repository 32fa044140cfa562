"""The report map: agreement geometry, sensors and events with their 95 % error ellipses.

Drawn with matplotlib's object API on an Agg canvas (no pyplot state, no basemap tiles, no
network). Axes are WGS 84 lon/lat with the aspect corrected for latitude; buffers and ellipses
are computed in a local azimuthal equidistant frame (:class:`truceline.geodesy.LocalProjection`)
and drawn back in lon/lat.

>>> render_map(agreement, events, sensors, "map.png", title="2026-11-26")   # doctest: +SKIP
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import IO, Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry import LineString, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from truceline.geodesy import GEOD, LocalProjection, line_length_m
from truceline.model.agreement import Agreement
from truceline.model.tables import ELLIPSE_95_SCALE, Columns


PARTY_COLOURS = ("#2c5d8f", "#a34a28", "#3d7a4a", "#6a4c93")
UNDETERMINED_COLOUR = "#7a6f5a"
NEUTRAL = "#8a8a8a"
FIGSIZE = (10.0, 8.0)
DPI = 150


def party_colours(agreement: Agreement) -> dict[str, str]:
    """Colour of each party id (document order) plus ``'undetermined'``."""
    out = {pid: PARTY_COLOURS[i % len(PARTY_COLOURS)] for i, pid in enumerate(agreement.party_ids)}
    out["undetermined"] = UNDETERMINED_COLOUR
    return out


def ellipse_lonlat(proj: LocalProjection, lon: float, lat: float, semi_major_m: float,
                   semi_minor_m: float, azimuth_deg: float, n: int = 72) -> np.ndarray:
    """``(n, 2)`` lon/lat outline of an ellipse; the major axis points ``azimuth_deg`` clockwise from north."""
    t = np.linspace(0.0, 2.0 * np.pi, n)
    u, v = semi_major_m * np.cos(t), semi_minor_m * np.sin(t)
    az = np.radians(azimuth_deg)
    east = u * np.sin(az) + v * np.cos(az)
    north = u * np.cos(az) - v * np.sin(az)
    x0, y0 = proj.to_xy(lon, lat)
    elon, elat = proj.to_lonlat(x0 + east, y0 + north)
    return np.column_stack([elon, elat])


def _geometry_patch(geom: BaseGeometry, **kwargs: Any) -> PathPatch | None:
    """A patch for a (Multi)Polygon, holes included; ``None`` when empty."""
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
    paths = [MplPath(np.asarray(ring.coords)[:, :2], closed=True)
             for p in polys for ring in (p.exterior, *p.interiors)]
    return PathPatch(MplPath.make_compound_path(*paths), **kwargs) if paths else None


def _add_geometry(ax: Axes, geom: BaseGeometry, **kwargs: Any) -> None:
    patch = _geometry_patch(geom, **kwargs)
    if patch is not None:
        ax.add_patch(patch)


def _label_point(geom: BaseGeometry) -> shapely.Point:
    """The pole of inaccessibility of the largest polygon piece (a label inside, off the edges)."""
    pieces = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
    if not pieces:
        return geom.representative_point()
    return polylabel(max(pieces, key=lambda g: g.area), tolerance=1e-3)


def _extent(agreement: Agreement, points: np.ndarray, margin_m: float) -> tuple[float, float, float, float]:
    """lon/lat box around the contact line (plus margin) and every finite point."""
    lon0, lat0, lon1, lat1 = agreement.contact_line.bounds
    dlat = margin_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians((lat0 + lat1) / 2.0)), 0.1)
    lon0, lat0, lon1, lat1 = lon0 - dlon, lat0 - dlat, lon1 + dlon, lat1 + dlat
    pts = points[np.all(np.isfinite(points), axis=1)] if len(points) else points
    if len(pts):
        lon0, lat0 = min(lon0, pts[:, 0].min() - 0.05), min(lat0, pts[:, 1].min() - 0.05)
        lon1, lat1 = max(lon1, pts[:, 0].max() + 0.05), max(lat1, pts[:, 1].max() + 0.05)
    return lon0, lon1, lat0, lat1


def _draw_agreement(ax: Axes, agreement: Agreement, proj: LocalProjection, view: BaseGeometry,
                    colours: dict[str, str]) -> None:
    """Party areas, security zone band, contact line, disengagement areas, declared activities."""
    line_xy = shapely.transform(agreement.contact_line, lambda c: np.column_stack(proj.to_xy(c[:, 0], c[:, 1])))
    band_xy = line_xy.buffer(agreement.security_zone.width_km * 500.0, quad_segs=16)
    band = shapely.transform(band_xy, lambda c: np.column_stack(proj.to_lonlat(c[:, 0], c[:, 1])))
    for party in agreement.parties:
        shown = party.area.intersection(view)
        _add_geometry(ax, shown, facecolor=colours[party.id], alpha=0.07, edgecolor="none", zorder=0)
        free = shown.difference(band)
        label_at = (free if not free.is_empty else shown)
        if not label_at.is_empty:
            p = _label_point(label_at)
            ax.text(p.x, p.y, party.name, fontsize=11, color=colours[party.id], alpha=0.8,
                    ha="center", va="center", weight="bold", zorder=1)
    _add_geometry(ax, band, facecolor="#d9d4c7", alpha=0.45, edgecolor="#a89f88", linewidth=0.6, zorder=2)
    line = np.asarray(agreement.contact_line.coords)
    ax.plot(line[:, 0], line[:, 1], color="#222222", linewidth=1.6, zorder=4)
    for d in agreement.disengagement_areas:
        _add_geometry(ax, d.area, facecolor="none", edgecolor="#4a4a4a", hatch="////", linewidth=0.8, zorder=3)
        ax.annotate(d.id, (d.area.centroid.x, d.area.bounds[3]), fontsize=6, ha="center", va="bottom", zorder=6)
    for act in agreement.declared_activities:
        ring = ellipse_lonlat(proj, act.lon, act.lat, act.radius_m, act.radius_m, 0.0, n=48)
        ax.plot(ring[:, 0], ring[:, 1], color="#5b5b5b", linewidth=0.6, zorder=3)
        ax.plot(act.lon, act.lat, marker="s", markersize=4, markerfacecolor="white",
                markeredgecolor="#3a3a3a", linestyle="none", zorder=5)
        ax.annotate(act.id, (act.lon, act.lat), xytext=(4, 3), textcoords="offset points", fontsize=6, zorder=6)
    _draw_sectors(ax, agreement, proj, line_xy)


def _draw_sectors(ax: Axes, agreement: Agreement, proj: LocalProjection, line_xy: LineString) -> None:
    """Sector boundaries as ticks across the security zone, ids beside the band's first edge."""
    if not agreement.sectors:
        return
    half = agreement.security_zone.width_km * 500.0
    scale = line_xy.length / line_length_m(np.asarray(agreement.contact_line.coords))

    def frame(km: float) -> tuple[np.ndarray, np.ndarray]:
        d = min(max(km * 1000.0 * scale, 0.0), line_xy.length)
        a, b = line_xy.interpolate(max(d - 50.0, 0.0)), line_xy.interpolate(min(d + 50.0, line_xy.length))
        tangent = np.array([b.x - a.x, b.y - a.y])
        tangent /= max(float(np.hypot(*tangent)), 1e-9)
        p = line_xy.interpolate(d)
        return np.array([p.x, p.y]), np.array([tangent[1], -tangent[0]])  # normal to the right

    bounds = sorted({s.from_km for s in agreement.sectors} | {s.to_km for s in agreement.sectors})
    for km in bounds:
        p, n = frame(km)
        xs, ys = proj.to_lonlat([p[0] - n[0] * half, p[0] + n[0] * half], [p[1] - n[1] * half, p[1] + n[1] * half])
        ax.plot(xs, ys, color="#6b6b6b", linewidth=0.7, linestyle=(0, (4, 2)), zorder=3)
    for s in agreement.sectors:
        p, n = frame((s.from_km + s.to_km) / 2.0)
        lon, lat = proj.to_lonlat(p[0] - n[0] * (half + 4000.0), p[1] - n[1] * (half + 4000.0))
        ax.text(float(lon), float(lat), s.id, fontsize=7, color="#3a3a3a", ha="center", va="center", zorder=6)


def _fire_mask(events: Columns) -> dict[str, np.ndarray]:
    """Boolean masks of the event categories the map draws differently."""
    kind = events["kind"].astype(str)
    excused = events["excused_by"].astype(str) != ""
    violation = events["is_violation"].astype(bool)
    set_aside = (kind == "thunder") | (excused & ~violation)
    finite = np.isfinite(events["lon"].astype(float)) & np.isfinite(events["lat"].astype(float))
    return {"violation": violation & finite, "set_aside": set_aside & ~violation & finite,
            "other": ~violation & ~set_aside & finite}


def _draw_events(ax: Axes, events: Columns, proj: LocalProjection, colours: dict[str, str]) -> None:
    """Violations with 95 % ellipses, other fire faint, thunder and excused explosions as grey x."""
    masks = _fire_mask(events)
    lon, lat = events["lon"].astype(float), events["lat"].astype(float)
    other, aside = masks["other"], masks["set_aside"]
    ax.plot(lon[other], lat[other], linestyle="none", marker="o", markersize=3, color=NEUTRAL, alpha=0.35, zorder=7)
    ax.plot(lon[aside], lat[aside], linestyle="none", marker="x", markersize=4, color=NEUTRAL, zorder=7)
    for i in np.flatnonzero(masks["violation"]):
        side = str(events["attributed_side"][i])
        colour = colours.get(side, UNDETERMINED_COLOUR)
        a = float(events["sigma_major_m"][i]) * ELLIPSE_95_SCALE
        b = float(events["sigma_minor_m"][i]) * ELLIPSE_95_SCALE
        if np.isfinite(a) and np.isfinite(b) and a > 0:
            az = float(events["azimuth_deg"][i])
            ring = ellipse_lonlat(proj, lon[i], lat[i], a, b, az if np.isfinite(az) else 0.0)
            ax.fill(ring[:, 0], ring[:, 1], facecolor=colour, alpha=0.12, edgecolor=colour, linewidth=0.8, zorder=8)
        marker = "D" if str(events["kind"][i]) == "launch" else "o"
        ax.plot(lon[i], lat[i], marker=marker, markersize=5, color=colour, markeredgecolor="white",
                markeredgewidth=0.5, linestyle="none", zorder=9)


def _draw_scale_bar(ax: Axes, lon0: float, lon1: float, lat0: float, lat1: float) -> None:
    """A km scale bar in the lower left, its length measured geodesically."""
    mid_lat = lat0 + 0.06 * (lat1 - lat0)
    width_km = GEOD.inv(lon0, mid_lat, lon1, mid_lat)[2] / 1000.0
    km = next((k for k in (200, 100, 50, 20, 10, 5, 2, 1) if k <= width_km / 5.0), 1)
    start = lon0 + 0.04 * (lon1 - lon0)
    end = GEOD.fwd(start, mid_lat, 90.0, km * 1000.0)[0]
    ax.plot([start, end], [mid_lat, mid_lat], color="black", linewidth=2.5, solid_capstyle="butt", zorder=10)
    ax.text((start + end) / 2.0, mid_lat + 0.012 * (lat1 - lat0), f"{km} km", ha="center", va="bottom",
            fontsize=8, zorder=10)


def _legend(ax: Axes, agreement: Agreement, colours: dict[str, str]) -> None:
    handles: list[Any] = [
        Line2D([], [], color="#222222", linewidth=1.6, label="Contact line"),
        Patch(facecolor="#d9d4c7", edgecolor="#a89f88", label=f"Security zone ({agreement.security_zone.width_km:g} km)"),
        Line2D([], [], color="#6b6b6b", linewidth=0.7, linestyle=(0, (4, 2)), label="Sector boundary"),
        Patch(facecolor="none", edgecolor="#4a4a4a", hatch="////", label="Disengagement area"),
        Line2D([], [], marker="s", markerfacecolor="white", markeredgecolor="#3a3a3a", linestyle="none",
               label="Declared activity site (radius)"),
        Line2D([], [], marker="^", color="#333333", markersize=4, linestyle="none", label="Sensor"),
    ]
    for pid in (*agreement.party_ids, "undetermined"):
        name = agreement.party(pid).name if pid != "undetermined" else "undetermined"
        handles.append(Line2D([], [], marker="o", color=colours[pid], linestyle="none",
                              label=f"Violation, attributed: {name}"))
    handles += [
        Line2D([], [], marker="D", color="#555555", linestyle="none", markersize=4, label="launch (diamond) / impact (dot)"),
        Patch(facecolor="#cccccc", edgecolor="#555555", alpha=0.6, label="95 % error ellipse"),
        Line2D([], [], marker="o", color=NEUTRAL, alpha=0.35, markersize=3, linestyle="none", label="Other fire event"),
        Line2D([], [], marker="x", color=NEUTRAL, linestyle="none", label="Thunder / excused explosion"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7,
              framealpha=1.0, edgecolor="#999999", borderaxespad=0.0)


def render_map(agreement: Agreement, events: Columns, sensors: Columns | None,
               path_or_buffer: str | Path | IO[bytes], *, title: str) -> None:
    """Draw the agreement, sensors and events to a PNG (about 10 x 8 in at 150 dpi).

    Violations are coloured by attributed side with their 95 % error ellipses (semi-axes
    2.4477 x sigma, azimuth clockwise from north); other fire events are faint; thunder and
    explosions excused as declared activity are grey crosses.
    """
    colours = party_colours(agreement)
    points = [np.column_stack([events["lon"].astype(float), events["lat"].astype(float)])] if len(events) else []
    if sensors is not None and len(sensors):
        points.append(np.column_stack([sensors["lon"].astype(float), sensors["lat"].astype(float)]))
    allpts = np.concatenate(points) if points else np.empty((0, 2))
    lon0, lon1, lat0, lat1 = _extent(agreement, allpts, agreement.security_zone.width_km * 500.0 + 15_000.0)
    proj = LocalProjection((lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0)
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_subplot(1, 1, 1)
    _draw_agreement(ax, agreement, proj, box(lon0, lat0, lon1, lat1), colours)
    if sensors is not None and len(sensors):
        ax.plot(sensors["lon"].astype(float), sensors["lat"].astype(float), linestyle="none", marker="^",
                markersize=4, color="#333333", zorder=6)
    if len(events):
        _draw_events(ax, events, proj, colours)
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / math.cos(math.radians((lat0 + lat1) / 2.0)))
    ax.set_xlabel("Longitude (° E, WGS 84)")
    ax.set_ylabel("Latitude (° N, WGS 84)")
    ax.grid(color="#dddddd", linewidth=0.4, zorder=-1)
    ax.tick_params(labelsize=8)
    ax.set_title(title, fontsize=11)
    _draw_scale_bar(ax, lon0, lon1, lat0, lat1)
    _legend(ax, agreement, colours)
    fig.text(0.01, 0.01, "Ellipses: 95 % location uncertainty (those smaller than their marker are hidden by it). "
             "Neutral verification, not targeting.",
             fontsize=7, color="#555555")
    fig.savefig(path_or_buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")

