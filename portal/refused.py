"""The one exception for "refused, and here is why": every domain's rule errors are Refused."""

from __future__ import annotations


class Refused(ValueError):
    """A rule refused the action; str(exc) says why and is safe to show to the user.

    `errors` maps form field names to messages when the refusal belongs to particular fields
    (the form helper puts them there); without it the message belongs to the whole form.
    """

    def __init__(self, message: str = "", *, errors: dict[str, str] | None = None) -> None:
        self.errors: dict[str, str] = dict(errors or {})
        super().__init__(message or "; ".join(self.errors.values()))
