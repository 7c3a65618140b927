"""The workspace's domain errors, which views show next to the form."""

from __future__ import annotations

from dataclasses import dataclass


class WorkspaceError(ValueError):
    """A change the workspace refuses; str(error) is a sentence for the user."""


@dataclass
class ConflictError(WorkspaceError):
    """Someone saved the same thing first: both versions are kept for the person to merge."""

    theirs: str
    their_version: int
    their_author: str

    def __str__(self) -> str:
        return "conflict"
