"""CLI tests (a package, so its conftest does not shadow the core tests' ``conftest`` module)."""
