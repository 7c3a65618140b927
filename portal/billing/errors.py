"""The billing domain's user-facing error."""

from portal.refused import Refused


class BillingError(Refused):
    """A billing rule was broken; the message is safe to show to the user."""
