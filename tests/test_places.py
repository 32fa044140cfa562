"""Place names from the shipped gazetteer: nearest settlement, distance and direction, MGRS."""

from __future__ import annotations

import pytest

from truceline.geodesy import GEOD
from truceline.report.places import describe, place_of, to_mgrs

BAKHMUT = (37.99886, 48.59419)     # GeoNames 713174


def _offset(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(x), float(y)


@pytest.mark.parametrize("azimuth, word", [(0, "N"), (135, "SE"), (270, "W")])
def test_a_point_near_a_town_is_named_from_it(azimuth: float, word: str) -> None:
    lon, lat = _offset(*BAKHMUT, azimuth, 3_000)
    p = place_of(lon, lat)
    assert p.name == "Bakhmut" and p.country == "UA" and abs(p.distance_km - 3.0) < 0.05
    assert describe(p, "en") == f"3 km {word} of Bakhmut"
    assert describe(p, "uk").startswith("3 км ") and describe(p, "uk").endswith(" від Bakhmut")
    assert describe(p, "ru").startswith("3 км ") and describe(p, "ru").endswith(" от Bakhmut")


def test_inside_a_town_and_bad_language() -> None:
    p = place_of(*BAKHMUT)
    assert describe(p, "en") == "in Bakhmut" and describe(p, "uk") == "у Bakhmut"
    with pytest.raises(ValueError, match="en, uk, ru"):
        describe(p, "de")


def test_mgrs_of_a_known_point() -> None:
    assert to_mgrs(*BAKHMUT) == "37U DP 2618 8282"
    assert to_mgrs(*BAKHMUT, digits=3) == "37U DP 261 828"
