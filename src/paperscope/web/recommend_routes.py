"""Routes of this area, included by the app factory (web/app.py)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
