"""The billing domain's user-facing error."""


class BillingError(ValueError):
    """A billing rule was broken; the message is safe to show to the user."""
