"""Organisations: the tenants, their memberships, roles, invitations and seats."""
