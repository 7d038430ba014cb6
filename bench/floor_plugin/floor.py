"""A Datasette plugin route that does nothing (loaded by the benchmark with --plugins-dir): its latency
under the search section's load is Datasette's own cost, the floor under every search figure."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response


async def _floor(request: Any) -> Response:
    return Response.json({"ok": True, "rows": []})


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/bench-floor$", _floor)]
