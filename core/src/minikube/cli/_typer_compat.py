"""Plain parameter coercion for newer typers, so ``minikube status`` does not import pydantic.

Recent typer releases convert every command parameter through a pydantic ``TypeAdapter``, built
when the command runs.  Importing pydantic and building those adapters costs more than all the rest
of ``minikube status`` or ``minikube ip``.  Our parameters are only ``str``, ``int``, ``bool``,
str-valued ``Enum`` and ``list[str]`` (optionally ``None``): this converts exactly those directly, with typer's own
``BadParameter`` errors, and leaves every other parameter, and older typers (which use click's
types and need none of this), to typer.

Why it stays although it reaches into typer's private hook: typer has no public way to turn that
coercion off, and without this ``drivers list`` and ``profile list`` pay pydantic's import on every
call.  It is defensive: it patches only when the hook has the exact shape it knows, and otherwise
leaves typer alone (then everything still works, only slower); ``status`` and ``ip`` do not need it
(they run without typer, ``_fast``).
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from typing import Any

import typer

_PLAIN = (str, int, bool)


def _plain_type(annotation: Any) -> type | None:
    """``str``, ``int``, ``bool``, an Enum class or ``list[str]`` (a repeatable option, as ``list``),
    unwrapped from ``Optional``; None for anything else."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        annotation = args[0]
    if typing.get_origin(annotation) is list and typing.get_args(annotation) == (str,):
        return list
    if annotation in _PLAIN or (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
        return typing.cast(type, annotation)
    return None


def install() -> bool:
    """Patch typer's lazy coercion hook if (and only if) this typer has it; returns whether it did."""
    try:
        from typer import _coercion
        from typer import core as typer_core
    except ImportError:
        return False
    param_cls = getattr(typer_core, "_TyperParameter", None)
    runtime_base = getattr(_coercion, "RuntimeParam", None)
    original = getattr(param_cls, "get_runtime_param", None)
    if param_cls is None or runtime_base is None or original is None:
        return False
    if getattr(param_cls, "_minikube_plain_coercion", False):
        return True

    @dataclass(frozen=True)
    class PlainRuntimeParam(runtime_base):  # type: ignore[misc, valid-type]
        """typer's RuntimeParam for one plain parameter: a direct conversion, no TypeAdapter."""

        target: type = str

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            t = self.target
            if t is list:  # a repeatable option: every value, or None when it was not given
                return [str(v) for v in value] if value else None
            if isinstance(value, t) and not (t is int and isinstance(value, bool)):
                return value
            if t is str:
                return str(value)
            if t is bool:
                text = str(value).strip().lower()
                if text in ("1", "true", "t", "yes", "y", "on"):
                    return True
                if text in ("0", "false", "f", "no", "n", "off"):
                    return False
                raise typer.BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
            if t is int:
                try:
                    return int(str(value).strip())
                except ValueError:
                    raise typer.BadParameter(f"{value!r} is not a valid integer.", ctx=ctx, param=param) from None
            members: list[Any] = list(typing.cast("type[enum.Enum]", t))  # an Enum
            for m in members:
                if m.value == value or (isinstance(value, str) and m.name == value):
                    return m
            shown = ", ".join(repr(m.value) for m in members)
            raise typer.BadParameter(f"{value!r} is not one of {shown}.", ctx=ctx, param=param)

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            desc = self.type_descriptor
            info = desc.parameter_info
            target = _plain_type(desc.annotation)
            simple = (target is not None and desc.file_annotation is None
                      and getattr(info, "parser", None) is None
                      and getattr(info, "min", None) is None and getattr(info, "max", None) is None)
            if simple and target is not None:
                self._runtime_param = PlainRuntimeParam(parameter_info=info, annotation=desc.annotation,
                                                        target=target)
        return original(self)

    param_cls.get_runtime_param = get_runtime_param
    param_cls._minikube_plain_coercion = True
    return True
