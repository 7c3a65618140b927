"""Imports every domain's models module so the metadata is complete (Alembic, create_all)."""

from __future__ import annotations

import importlib
import pkgutil

import portal


def load_all() -> list[str]:
    """Import portal.<domain>.models for each domain package that has one."""
    loaded = []
    for info in pkgutil.iter_modules(portal.__path__):
        if not info.ispkg:
            continue
        name = f"portal.{info.name}.models"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        loaded.append(name)
    return loaded
