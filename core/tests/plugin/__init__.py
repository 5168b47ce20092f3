"""Tests of the libmachine plugin protocol (a package, so its conftest has its own name)."""
