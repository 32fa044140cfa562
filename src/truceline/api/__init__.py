"""The mission's HTTP API: roles, claims, review, publication (docs/api.md).

>>> desk = Desk.open(ServeSettings(data=Path("truceline-demo")))      # doctest: +SKIP
>>> app = create_app(desk)                                            # an ASGI app for uvicorn
"""

from truceline.api.app import create_app
from truceline.api.auth import issue_token
from truceline.api.desk import Desk
from truceline.api.settings import ServeSettings

__all__ = ["Desk", "ServeSettings", "create_app", "issue_token"]
