"""Workspace: being built in a later issue."""
