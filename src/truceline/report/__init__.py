"""Reports and exports: event CSV/GeoJSON, the report map and the daily report.

Pure rendering from already-computed data: model types in, files out.
"""

from truceline.report.daily import render_daily
from truceline.report.export import read_events_csv, write_events_csv, write_events_geojson, write_table_csv
from truceline.report.mapplot import render_map

__all__ = ["read_events_csv", "render_daily", "render_map", "write_events_csv", "write_events_geojson", "write_table_csv"]
