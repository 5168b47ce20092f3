"""A fake driver "aliasb" that claims the alias "shared", as another distribution does too."""

from dataclasses import replace

from minikube.testing import FAKE_DEF

DRIVER = replace(FAKE_DEF, name="aliasb", aliases=("shared",), default=False)
