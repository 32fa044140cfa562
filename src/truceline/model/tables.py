"""Column contracts of the tables that travel between stages.

A table is a :class:`Columns`: named, equally long numpy arrays, checked once at the boundary
(``Columns.conform``) so that stages can trust their inputs. The contracts here are the single
source of truth for ``docs/formats.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np


@dataclass(frozen=True)
class Column:
    """One column of a contract: its name, numpy dtype kind, unit and meaning."""

    name: str
    dtype: str
    unit: str
    description: str


@dataclass(frozen=True)
class Contract:
    """An ordered list of columns that a table must carry."""

    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Columns:
    """Equally long named numpy arrays (a minimal column table)."""

    data: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lengths = {len(v) for v in self.data.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns differ in length: { {k: len(v) for k, v in self.data.items()} }")

    def __len__(self) -> int:
        return len(next(iter(self.data.values()))) if self.data else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    def __contains__(self, name: object) -> bool:
        return name in self.data

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.data)

    def take(self, index: np.ndarray) -> "Columns":
        """Rows selected by a boolean mask or an integer index."""
        return Columns({k: v[index] for k, v in self.data.items()})

    def with_columns(self, **columns: np.ndarray) -> "Columns":
        """A new table with columns added or replaced."""
        return Columns({**self.data, **columns})

    def rows(self) -> Iterator[dict[str, object]]:
        """Rows as dicts of Python scalars (for writers and reports)."""
        names = self.names
        for i in range(len(self)):
            yield {n: self.data[n][i].item() if hasattr(self.data[n][i], "item") else self.data[n][i] for n in names}

    @staticmethod
    def empty(contract: Contract) -> "Columns":
        return Columns({c.name: np.empty(0, dtype=_DTYPES[c.dtype]) for c in contract.columns})

    @staticmethod
    def from_rows(contract: Contract, rows: "list[Mapping[str, object]]") -> "Columns":
        """A contract's table from row dicts (keys beyond the contract are ignored; no rows: empty)."""
        if not rows:
            return Columns.empty(contract)
        return Columns.conform(contract, {c.name: np.array([r[c.name] for r in rows],
                                                           dtype=object if _DTYPES[c.dtype] is object else None)
                                          for c in contract.columns})

    @staticmethod
    def conform(contract: Contract, data: Mapping[str, np.ndarray]) -> "Columns":
        """Check ``data`` against ``contract`` once and cast each column to its dtype."""
        missing = [n for n in contract.names if n not in data]
        if missing:
            raise ValueError(f"{contract.name}: missing columns {missing}")
        out = {c.name: np.asarray(data[c.name]).astype(_DTYPES[c.dtype], copy=False) for c in contract.columns}
        extra = {k: np.asarray(v) for k, v in data.items() if k not in out}
        return Columns({**out, **extra})


_DTYPES = {"str": object, "float": np.float64, "int": np.int64, "bool": np.bool_, "time": np.float64,
           "geometry": object}


def _c(name: str, dtype: str, unit: str, description: str) -> Column:
    return Column(name, dtype, unit, description)


#: Times inside Truceline are float seconds since the Unix epoch, UTC ("time" dtype);
#: files carry ISO 8601 UTC with milliseconds.
SENSORS = Contract("sensors", (
    _c("sensor_id", "str", "", "Opaque sensor identifier, unique in the file."),
    _c("lon", "float", "degree", "WGS 84 longitude, -180..180."),
    _c("lat", "float", "degree", "WGS 84 latitude, -90..90."),
    _c("elevation_m", "float", "m", "Height above the WGS 84 ellipsoid or mean sea level (informative)."),
    _c("owner", "str", "", "Who contributes the sensor (a coalition member or unit)."),
))

PICKS = Contract("picks", (
    _c("pick_id", "str", "", "Opaque pick identifier, unique per producer."),
    _c("sensor_id", "str", "", "Sensor that made the pick; must be in the sensor table."),
    _c("time", "time", "s", "Arrival time, ISO 8601 UTC with milliseconds in files."),
    _c("kind", "str", "", "On-sensor label: launch | impact | unknown."),
    _c("snr", "float", "dB", "Signal-to-noise ratio of the detection."),
    _c("amplitude", "float", "Pa", "Peak overpressure of the arrival, >= 0."),
    _c("received_at", "time", "s", "When the mission received the pick (ISO 8601 UTC)."),
))

ELLIPSE_95_SCALE = math.sqrt(-2.0 * math.log(0.05))
"""sqrt(chi2.ppf(0.95, 2)) = 2.4477: an event's 1-sigma semi-axes times this give its 95 % ellipse."""

EVENTS = Contract("events", (
    _c("event_id", "str", "", "Stable event identifier within a processing run."),
    _c("time", "time", "s", "Origin time (ISO 8601 UTC with milliseconds in files)."),
    _c("lon", "float", "degree", "Preferred location, WGS 84 longitude."),
    _c("lat", "float", "degree", "Preferred location, WGS 84 latitude."),
    _c("kind", "str", "", "launch | impact | thunder | explosion | unknown."),
    _c("kind_basis", "str", "", "The rule that gave the kind: labels | labels_split | labels_unclear | thunder_like | "
                                "storm | storm_faint | storm_unpaired | storm_split | silent_sensors | "
                                "declared_activity (docs/formats.md); empty in files written before events carried it."),
    _c("sigma_major_m", "float", "m", "1-sigma semi-major axis of the location uncertainty ellipse."),
    _c("sigma_minor_m", "float", "m", "1-sigma semi-minor axis of the location uncertainty ellipse."),
    _c("azimuth_deg", "float", "degree", "Azimuth of the major axis, clockwise from north, 0..180."),
    _c("sigma_time_s", "float", "s", "1-sigma uncertainty of the origin time."),
    _c("n_sensors", "int", "", "Number of sensors whose picks define the event."),
    _c("rms_s", "float", "s", "Root mean square of the arrival-time residuals of the member picks within 0.325 s "
                            "of the fit (a member further off is an outlier the fix gave no weight)."),
    _c("low_confidence", "bool", "", "Heard by fewer sensors than a scanned event needs (6): kept as a low-confidence "
                                     "detection, found as another round of a located salvo or on timing and source "
                                     "level alone; confidence at most possible."),
    _c("pair_id", "str", "", "event_id of the paired launch (for an impact) or impact (for a launch); empty if none."),
    _c("weapon_class", "str", "", "Most likely weapon class of a paired fire event; empty if unknown."),
    _c("attributed_side", "str", "", "Party id of the firing party, or 'undetermined'."),
    _c("attribution_p", "float", "", "Probability of the attribution (0..1); empty when undetermined."),
    _c("attribution_grade", "str", "", "attributed (p >= 0.95) | largely attributed (p >= 0.8) | undetermined; graded "
                                       "apart from the confidence that the event happened."),
    _c("sector", "str", "", "Sector id of the agreement the event lies in; empty outside all sectors."),
    _c("is_violation", "bool", "", "Whether the event breaks a rule of the agreement in force."),
    _c("rules", "str", "", "Semicolon-separated ids of the rules broken; empty if none."),
    _c("excused_by", "str", "", "Id of the declared activity that excuses the event; empty if none."),
    _c("confidence", "str", "", "probable | possible | unverified (corroborated needs a second source)."),
    _c("agreement_version", "str", "", "Version of the agreement the event was judged by."),
    _c("evidence", "str", "", "signed | unsigned: whether the observations arrived in verified signed batches; "
                              "unsigned evidence alone caps confidence at unverified."),
))

PICK_ASSIGNMENTS = Contract("pick_assignments", (
    _c("pick_id", "str", "", "The pick (every accepted pick has one row)."),
    _c("sensor_id", "str", "", "Its sensor."),
    _c("event_id", "str", "", "The event it belongs to; empty when unassociated."),
    _c("residual_s", "float", "s", "Observed minus predicted arrival time for its event (or for the event named in "
                                   "the reason); empty when no event predicts an arrival near it."),
    _c("status", "str", "", "associated | unassociated."),
    _c("reason", "str", "", "Why it is unassociated: 'outlier for <event>', 'second arrival at this sensor for "
                            "<event>', 'sensor clock suspect', or 'no consistent partner'; empty when associated."),
))

ENGAGEMENTS = Contract("engagements", (
    _c("engagement_id", "str", "", "Engagement identifier within a processing run (G00001, … in time order)."),
    _c("start", "time", "s", "Origin time of its first fire event."),
    _c("end", "time", "s", "Origin time of its last fire event."),
    _c("lon", "float", "degree", "Mean longitude of its fire events (WGS 84)."),
    _c("lat", "float", "degree", "Mean latitude of its fire events (WGS 84)."),
    _c("sector", "str", "", "The sector most of its events lie in; empty outside all sectors."),
    _c("n_events", "int", "", "Fire events (launches and impacts) in it."),
    _c("n_launches", "int", "", "Launches among them."),
    _c("opened_by", "str", "", "Party id of the side that opened fire (the side of its first fire mission), or "
                               "'undetermined'."),
    _c("opened_by_p", "float", "", "Probability that this side opened it: the opening mission's attribution "
                                   "probability times the probability that each of the other side's missions "
                                   "answered it rather than opened an exchange of its own; empty when undetermined."),
    _c("opener_basis", "str", "", "Why it names its opener or not: first_mission (the side of its first mission) | "
                                  "first_unattributed (an unattributed mission fired first) | tie (both sides fired "
                                  "within tie_s, nearby) | none_attributed | below_min_p; empty in files written "
                                  "before engagements carried it."),
    _c("opening_event_id", "str", "", "event_id of the first round of its first attributed mission (the evidence); "
                                      "empty if none."),
    _c("event_ids", "str", "", "Space-separated event_ids of all its fire events."),
))

TRUTH_EVENTS = Contract("truth_events", (
    _c("truth_id", "str", "", "Simulator identifier of the true event."),
    _c("time", "time", "s", "True origin time."),
    _c("lon", "float", "degree", "True longitude."),
    _c("lat", "float", "degree", "True latitude."),
    _c("kind", "str", "", "launch | impact | thunder | blast."),
    _c("weapon_class", "str", "", "mortar | tube_artillery | mlrs for fire; empty otherwise."),
    _c("side", "str", "", "Firing party id for fire events; empty for nuisances."),
    _c("mission_id", "str", "", "Fire mission (salvo) the round belongs to; empty otherwise."),
    _c("pair_truth_id", "str", "", "The launch of an impact or the impact of a launch."),
    _c("is_violation", "bool", "", "Whether the true event is a violation of the agreement."),
))

TRUTH_EVENT_EXTRAS: tuple[Column, ...] = (
    _c("engagement_id", "str", "", "Engagement (fire grouped by sector and time) the round belongs to; the side of its "
                                   "first mission opened it. Empty for nuisances."),
)
"""Columns the simulator writes after the ``truth_events`` contract's; readers that predate them ignore them."""

HOTSPOTS = Contract("hotspots", (
    _c("hotspot_id", "str", "", "Stable identifier: satellite, acquisition time and position (FIRMS rows carry none)."),
    _c("time", "time", "s", "Acquisition time (acq_date + acq_time, UTC): the satellite overpass."),
    _c("lon", "float", "degree", "Centre of the fire pixel, WGS 84 longitude."),
    _c("lat", "float", "degree", "Centre of the fire pixel, WGS 84 latitude."),
    _c("instrument", "str", "", "VIIRS | MODIS."),
    _c("satellite", "str", "", "As the file names it: N (Suomi NPP), N20, N21, Terra, Aqua (T, A) ..."),
    _c("confidence", "str", "", "low | nominal | high (VIIRS words or letters; MODIS 0-29 / 30-79 / 80-100)."),
    _c("confidence_pct", "float", "%", "MODIS detection confidence 0-100 as given; NaN for VIIRS."),
    _c("brightness_k", "float", "K", "Fire-channel brightness temperature: VIIRS I-4 (bright_ti4), MODIS 21/22 (brightness)."),
    _c("brightness2_k", "float", "K", "Background-channel brightness temperature: VIIRS I-5 (bright_ti5), MODIS 31."),
    _c("frp_mw", "float", "MW", "Fire radiative power."),
    _c("scan_km", "float", "km", "Pixel size along scan (grows toward the swath edge)."),
    _c("track_km", "float", "km", "Pixel size along track."),
    _c("daynight", "str", "", "D | N."),
    _c("saturated", "bool", "", "The fire channel is at its saturation value (VIIRS I-4 367 K): kept, its "
       "brightness and FRP are lower bounds."),
))

THERMAL_EVENTS = Contract("thermal_events", (
    _c("event_id", "str", "", "TH- and the event's first hotspot_id: stable for the same hotspots."),
    _c("time", "time", "s", "Overpass time (the earliest hotspot of the event)."),
    _c("lon", "float", "degree", "FRP-weighted centre of the event's pixels, WGS 84 longitude."),
    _c("lat", "float", "degree", "FRP-weighted centre of the event's pixels, WGS 84 latitude."),
    _c("sigma_m", "float", "m", "1-sigma position uncertainty: half the mean pixel size, spread of the pixels added."),
    _c("instrument", "str", "", "VIIRS | MODIS."),
    _c("satellite", "str", "", "As in the hotspot file."),
    _c("n_pixels", "int", "", "Hotspots (fire pixels) of one overpass joined into this event."),
    _c("frp_mw", "float", "MW", "Summed fire radiative power (a lower bound where a pixel is saturated)."),
    _c("brightness_max_k", "float", "K", "Hottest pixel's fire-channel brightness temperature."),
    _c("confidence", "str", "", "Best FIRMS confidence class among the pixels: low | nominal | high."),
    _c("saturated", "bool", "", "At least one pixel at the fire channel's saturation value (kept, flagged)."),
    _c("persistent_days", "int", "", "Most distinct earlier days (within the look-back) with a hotspot at one of its pixels."),
    _c("masked", "bool", "", "A persistent non-conflict source (industry, a recurring site): kept, not reported as fire."),
    _c("reason", "str", "", "Why it is masked, in words; empty when it is reported as fire."),
    _c("hotspot_ids", "str", "", "The hotspot_ids of its pixels, space-separated (the evidence)."),
))

INCIDENTS = Contract("incidents", (
    _c("incident_id", "str", "", "Incident identifier within a run (I00001, … in time order)."),
    _c("start", "time", "s", "Its earliest piece of evidence (a launch, an impact, an overpass)."),
    _c("end", "time", "s", "Its latest piece of evidence."),
    _c("lon", "float", "degree", "Where it happened: its impact, else its launch, else its thermal event (WGS 84)."),
    _c("lat", "float", "degree", "Latitude of the same point (WGS 84)."),
    _c("modalities", "str", "", "Independent sources behind it, space-separated: acoustic, thermal, drone, sar."),
    _c("confidence", "str", "", "corroborated | probable | possible | unverified (docs/verification.md)."),
    _c("attributed_side", "str", "", "Party id of the side that fired, or 'undetermined'."),
    _c("attribution", "str", "", "attributed (p >= 0.95) | largely attributed (0.8 <= p < 0.95) | undetermined."),
    _c("attribution_p", "float", "", "Probability of that side; empty when undetermined."),
    _c("is_violation", "bool", "", "Any of its acoustic events is a violation of the agreement."),
    _c("event_ids", "str", "", "Space-separated event_ids of its acoustic events (a launch and its impact)."),
    _c("thermal_ids", "str", "", "Space-separated event_ids of its thermal events."),
    _c("weapon_ids", "str", "", "Space-separated finding_ids of weapons drones saw standing at its launch (weapon_findings.csv)."),
    _c("damage_ids", "str", "", "Space-separated damage_ids of radar damage at its impact, inside the damage's window (damage.geojson)."),
    _c("thermal_coverage_p", "float", "", "Probability that a fire its impact started would appear in the day's FIRMS hotspots (satellite coverage; empty for satellite-only incidents)."),
))

SIGHTINGS = Contract("sightings", (
    _c("sighting_id", "str", "", "Opaque identifier of the sighting, unique per producer."),
    _c("time", "time", "s", "When the image was taken (ISO 8601 UTC in files)."),
    _c("lon", "float", "degree", "Where the weapon was seen, WGS 84 longitude (the image's geolocation)."),
    _c("lat", "float", "degree", "Where the weapon was seen, WGS 84 latitude."),
    _c("weapon_class", "str", "", "The class the image analyst or classifier named (agreement classes)."),
    _c("confidence", "float", "", "The producer's confidence in that class, 0..1."),
    _c("image_hash", "str", "", "sha256 of the image, 64 hex digits (the evidence's fingerprint)."),
    _c("image_ref", "str", "", "Where the image is kept (opaque reference; may be empty)."),
    _c("flight_id", "str", "", "The flight that took it."),
    _c("serial", "str", "", "The weapon's serial number where it could be read; empty otherwise."),
))

FLIGHT_COVERAGE = Contract("flight_coverage", (
    _c("footprint_id", "str", "", "Identifier of the footprint (the feature's id, else flight_id and its index)."),
    _c("flight_id", "str", "", "The flight whose sensor saw this area."),
    _c("start", "time", "s", "When the footprint began to be observed (ISO 8601 UTC in files)."),
    _c("end", "time", "s", "When it stopped being observed; end >= start."),
    _c("footprint", "geometry", "", "The area seen: a shapely Polygon or MultiPolygon, WGS 84 lon/lat."),
    _c("area_km2", "float", "km2", "Geodesic area of the footprint."),
))

WEAPON_FINDINGS = Contract("weapon_findings", (
    _c("finding_id", "str", "", "W00001, … in order of first sighting."),
    _c("first_seen", "time", "s", "Its first sighting."),
    _c("last_seen", "time", "s", "Its last sighting."),
    _c("lon", "float", "degree", "Mean position of its sightings, WGS 84 longitude."),
    _c("lat", "float", "degree", "Mean position of its sightings, WGS 84 latitude."),
    _c("weapon_class", "str", "", "Its most probable class given all its sightings."),
    _c("class_p", "float", "", "Probability of that class."),
    _c("party", "str", "", "The party on whose side it stands (its owner); empty outside both areas."),
    _c("distance_km", "float", "km", "Geodesic distance to that party's reference line."),
    _c("withdrawal_km", "float", "km", "The withdrawal distance of its most probable class."),
    _c("p_inside", "float", "", "Probability, over its class posterior, that it stands inside its class's withdrawal zone."),
    _c("n_sightings", "int", "", "Sightings merged into it."),
    _c("n_flights", "int", "", "Distinct flights that saw it."),
    _c("flights_over", "int", "", "Distinct flights whose footprint held its position (at least n_flights)."),
    _c("p_real", "float", "", "Probability that a weapon is there at all, from n_flights of flights_over (docs/verification.md)."),
    _c("coverage_p", "float", "", "Probability that a weapon standing there would have been reported (drone coverage)."),
    _c("p_violation", "float", "", "p_real x p_inside: probability that a weapon stands there inside its withdrawal zone."),
    _c("is_violation", "bool", "", "p_real >= 0.8 and p_inside >= 0.5: a withdrawal violation."),
    _c("confidence", "str", "", "probable (seen by 2 or more flights, p_real >= 0.8) | possible (otherwise)."),
    _c("serials", "str", "", "Serial numbers read on it, space-separated."),
    _c("sighting_ids", "str", "", "Its sightings (the evidence), space-separated."),
))

STORAGE_FINDINGS = Contract("storage_findings", (
    _c("site_id", "str", "", "The declared storage site (agreement storage_sites id)."),
    _c("party", "str", "", "The party that declared it."),
    _c("name", "str", "", "Its declared name."),
    _c("lon", "float", "degree", "Declared position, WGS 84 longitude."),
    _c("lat", "float", "degree", "Declared position, WGS 84 latitude."),
    _c("declared", "int", "", "Pieces declared there, all classes."),
    _c("surveys", "int", "", "Flights whose footprint held the whole site."),
    _c("coverage_p", "float", "", "Probability that a piece present would be seen by at least one survey."),
    _c("seen_max", "int", "", "Most pieces one survey counted there."),
    _c("present_est", "int", "", "Most probable number of pieces present (-1: not observed)."),
    _c("missing_est", "int", "", "declared - present_est, at least 0 (-1: not observed)."),
    _c("missing_low", "int", "", "Lower end of the 90 % interval of missing pieces (-1: not observed)."),
    _c("missing_high", "int", "", "Upper end of that interval (-1: not observed)."),
    _c("p_missing", "float", "", "Probability that fewer pieces are there than declared (empty: not observed)."),
    _c("status", "str", "", "missing | complete | undetermined | not observed (docs/verification.md)."),
    _c("missing_by_class", "str", "", "Where missing: class:pieces short of the declaration, space-separated."),
    _c("serials_confirmed", "str", "", "Declared serial numbers read at the site, space-separated."),
    _c("serials_elsewhere", "str", "", "Declared serial numbers read away from the site, as serial@lon,lat."),
    _c("confidence", "str", "", "probable (2 or more surveys, missing or complete) | possible."),
    _c("sighting_ids", "str", "", "The sightings at the site (the evidence), space-separated."),
))

ZONE_COVERAGE = Contract("zone_coverage", (
    _c("party", "str", "", "The party whose withdrawal zone this is."),
    _c("sector", "str", "", "The agreement's sector."),
    _c("weapon_class", "str", "", "The class whose withdrawal distance bounds the zone."),
    _c("zone_km2", "float", "km2", "Area of the zone in that sector (the party's side, within the class's distance)."),
    _c("observed_km2", "float", "km2", "Of it, the area where the drone coverage probability was >= 0.9."),
    _c("observed_share", "float", "", "observed_km2 / zone_km2."),
    _c("mean_coverage_p", "float", "", "Mean drone coverage probability over the whole zone."),
    _c("min_observed_p", "float", "", "Lowest coverage probability inside the observed area (empty: none observed)."),
    _c("violations", "int", "", "Violation findings of that class in that zone."),
    _c("statement", "str", "", "N in violation | observed, none seen (about observed_km2 only) | not observed."),
))

DAMAGE_AREAS = Contract("damage_areas", (
    _c("damage_id", "str", "", "D00001, … (damage.geojson's features in order)."),
    _c("window_start", "time", "s", "The last pre-window acquisition: the damage is later than this ..."),
    _c("window_end", "time", "s", "... and no later than the last post-window acquisition."),
    _c("lon", "float", "degree", "Centroid of the damaged area, WGS 84 longitude."),
    _c("lat", "float", "degree", "Centroid of the damaged area, WGS 84 latitude."),
    _c("cells", "int", "", "Damaged cells (score >= threshold) in the area."),
    _c("area_m2", "float", "m2", "Their area."),
    _c("score_max", "float", "", "Highest smoothed PWTT score in the area."),
    _c("score_mean", "float", "", "Mean smoothed PWTT score in the area."),
    _c("area", "geometry", "", "The damaged area: a shapely Polygon, WGS 84 lon/lat."),
))

SAR_SCENES = Contract("sar_scenes", (
    _c("scene_id", "str", "", "The file's name without its suffix."),
    _c("path", "str", "", "Where the GeoTIFF is."),
    _c("time", "time", "s", "Tag ACQUISITION_START: when the acquisition began (UTC)."),
    _c("relative_orbit", "str", "", "Tag RELATIVE_ORBIT: acquisitions are tested per orbit (one viewing geometry)."),
    _c("width", "int", "px", "Raster width."),
    _c("height", "int", "px", "Raster height."),
    _c("pixel_m", "float", "m", "Pixel size (the grid's x step)."),
    _c("crs", "str", "", "Coordinate reference system, e.g. EPSG:32637."),
    _c("units", "str", "", "Tag UNITS: dB | linear (sigma0)."),
))

CONTRACTS: dict[str, Contract] = {c.name: c for c in (SENSORS, PICKS, EVENTS, PICK_ASSIGNMENTS, ENGAGEMENTS,
                                                      TRUTH_EVENTS, HOTSPOTS,
                                                      THERMAL_EVENTS, INCIDENTS, SIGHTINGS, STORAGE_FINDINGS, ZONE_COVERAGE, SAR_SCENES, DAMAGE_AREAS,
                                                      FLIGHT_COVERAGE, WEAPON_FINDINGS)}
