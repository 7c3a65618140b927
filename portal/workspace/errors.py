"""The workspace's refusals, which views show next to the form (Refused, like every domain)."""

from __future__ import annotations

from portal.refused import Refused


class WorkspaceError(Refused):
    """A change the workspace refuses; str(error) is a sentence for the user."""


class ConflictError(WorkspaceError):
    """Someone saved the same thing first: both versions are kept for the person to merge."""

    def __init__(self, theirs: str, their_version: int, their_author: str) -> None:
        super().__init__("conflict")
        self.theirs = theirs
        self.their_version = their_version
        self.their_author = their_author
