"""Vectorised checks of events against the agreement.

Geometry queries (sides, lines, zones, sectors, withdrawal distances, declared activity) are
built once per agreement version in :class:`truceline.rules.zones.Zones` and answer for whole
arrays of positions at a time.
"""
