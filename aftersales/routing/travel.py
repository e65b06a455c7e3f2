"""Travel times and distances between places, behind one interface.

The default is a straight line times a road factor, driven at the zone's speed. A provider of
real road matrices plugs in by implementing :class:`TravelModel` (one call for the whole day's
places, which is how such services answer).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from aftersales.routing.model import Place

FloatMatrix = npt.NDArray[np.float64]

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """``time[i, j]`` and ``distance[i, j]`` from ``places[i]`` to ``places[j]``."""

    time: FloatMatrix
    distance: FloatMatrix


class TravelModel(Protocol):
    def matrix(self, places: Sequence[Place]) -> TravelMatrix: ...


@dataclass(frozen=True, slots=True)
class EuclideanTravel:
    """The Solomon convention: Euclidean distance in doubles, travel time = distance / speed."""

    speed: float = 1.0

    def matrix(self, places: Sequence[Place]) -> TravelMatrix:
        xy = np.array([(p.x, p.y) for p in places], dtype=np.float64).reshape(len(places), 2)
        distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
        return TravelMatrix(time=distance / self.speed, distance=distance)


DEFAULT_ZONE_SPEEDS_KMH: Mapping[str, float] = {"urban": 25.0, "suburban": 40.0, "remote": 50.0}


@dataclass(frozen=True, slots=True)
class StraightLineTravel:
    """Great-circle distance × ``road_factor`` in km; minutes at the slower zone's speed.

    ``Place.x`` is the longitude and ``Place.y`` the latitude, in degrees. A leg between two
    zones is driven at the slower of their speeds; a zone missing from ``zone_speeds_kmh``
    uses ``default_speed_kmh``.
    """

    road_factor: float = 1.3
    zone_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_ZONE_SPEEDS_KMH))
    default_speed_kmh: float = 30.0

    def matrix(self, places: Sequence[Place]) -> TravelMatrix:
        lon = np.radians([p.x for p in places])
        lat = np.radians([p.y for p in places])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))) * self.road_factor
        speeds = np.array([self.speed_of(p.zone) for p in places], dtype=np.float64)
        kmh = np.minimum(speeds[:, None], speeds[None, :])
        return TravelMatrix(time=km / kmh * 60.0, distance=km)

    def speed_of(self, zone: str) -> float:
        speed = self.zone_speeds_kmh.get(zone, self.default_speed_kmh)
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"zone {zone!r} has no positive speed")
        return speed
