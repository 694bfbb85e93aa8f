"""`GET /api/v1/health`: the API answers and which registry version it serves."""

from __future__ import annotations

from ninja import Router, Schema

router = Router(tags=["health"])


class Health(Schema):
    status: str


@router.get("", response=Health, auth=None, summary="The API is up")
def health(request: object) -> dict[str, str]:
    return {"status": "ok"}
