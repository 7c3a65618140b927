"""Exports: being built in a later issue."""
