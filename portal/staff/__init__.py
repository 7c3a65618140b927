"""The editors' and admins' back office."""
