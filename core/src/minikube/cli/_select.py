"""Choosing and validating the driver, exactly as minikube's ``start`` does (SPEC section 2)."""

from __future__ import annotations

from dataclasses import dataclass

from .._errors import MinikubeError, UsageError, provider_reason
from .._runtime import Loaded, Runtime
from ..registry import DriverState, Priority, State, check_all, current_platform, suggest
from . import _ui


@dataclass
class Choice:
    name: str
    loaded: Loaded
    how: str  # "existing profile", "user configuration", "configured default", "auto"


def choose(rt: Runtime, *, profile: str, requested: str | None, existing: str | None,
           configured: str | None, explain: bool = False, force: bool = False) -> Choice:
    if existing:
        if requested and rt.info(requested).name != rt.info(existing).name:
            raise MinikubeError(
                f'The existing "{profile}" cluster was created using the "{existing}" driver, '
                f'which is incompatible with requested "{requested}" driver.',
                reason_id="GUEST_DRIVER_MISMATCH",
                fix=f"Delete the existing cluster (minikube delete) or use the {existing} driver "
                    f"(minikube start --driver={existing})")
        _ui.info(f"* Using the {existing} driver based on existing profile")
        return Choice(existing, validate(rt, existing, force), "existing profile")
    if requested:
        _ui.info(f"* Using the {rt.info(requested).name} driver based on user configuration")
        return Choice(requested, validate(rt, requested, force), "user configuration")
    if configured:
        _ui.info(f"* Using the {configured} driver based on the configured default")
        return Choice(configured, validate(rt, configured, force), "configured default")
    return auto_select(rt, explain)


def auto_select(rt: Runtime, explain: bool) -> Choice:
    loaded = {ld.definition.name: ld for ld in rt.load_supported()}
    states = check_all([ld.definition for ld in loaded.values()])
    options = []
    for name, ld in loaded.items():
        d, st = ld.definition, states[name]
        prio = d.priority if st.healthy else min(d.priority, Priority.UNHEALTHY)
        options.append(DriverState(name, d.default, Priority(prio), st, d))
    options.sort(key=lambda o: (-o.priority, o.name))
    s = suggest(options)
    if explain:
        _explain(rt, s.pick, options)
    if s.pick is None:
        installed = [o for o in s.rejects if o.state.installed]
        _ui.info("* Unable to pick a default driver. Here is what was considered, in preference order:")
        for o in installed:
            _ui.info(f"  - {o.name}: {o.rejection}")
            if o.suggestion:
                _ui.info(f"    {o.name}: Suggestion: {o.suggestion}")
        missing = [o for o in s.rejects if not o.state.installed]
        if missing:
            _ui.info("* Alternatively you could install one of these drivers:")
            for o in missing:
                _ui.info(f"  - {o.name}: {o.rejection}")
        if installed:
            raise MinikubeError("Found driver(s) but none were healthy. See above for suggestions "
                                "how to fix installed drivers.", reason_id="DRV_NOT_HEALTHY")
        raise MinikubeError("No possible driver was detected. Try specifying --driver, or see "
                            "https://minikube.sigs.k8s.io/docs/start/", reason_id="DRV_NOT_DETECTED",
                            fix="Install a driver: pip install minikube-driver-kvm2")
    alts = [o.name for o in s.alternates]
    _ui.info(f"* Automatically selected the {s.pick.name} driver"
             + (f". Other choices: {', '.join(alts)}" if alts else ""))
    _report_needs_improvement(s.pick.name, s.pick.state)
    return Choice(s.pick.name, loaded[s.pick.name], "auto")


def _explain(rt: Runtime, pick: DriverState | None, options: list[DriverState]) -> None:
    _ui.info("* Drivers considered, in preference order:")
    for o in options:
        verdict = "picked" if o is pick else (o.rejection or "alternate")
        _ui.info(f"  - {o.name} (priority {o.priority.label}, default {o.default}): {verdict}")
    for name, err in rt.broken.items():
        _ui.info(f"  - {name}: quarantined: {err.message}")
    skipped = [i.name for i in rt.catalog.drivers.values() if i.platforms and not i.supported]
    if skipped:
        _ui.info(f"  - not supported on {current_platform()}: {', '.join(skipped)}")


def _report_needs_improvement(name: str, st: State) -> None:
    if st.needs_improvement:
        _ui.warn(f"For improved {name} performance, {st.fix}")


def validate(rt: Runtime, name: str, force: bool = False) -> Loaded:
    """Supported here -> needs improvement -> obsolete -> healthy, with minikube's reasons."""
    info = rt.info(name)
    plat = current_platform()
    if info.platforms and not info.supported:
        raise MinikubeError(f"The driver '{info.name}' is not supported on {plat}",
                            reason_id="DRV_UNSUPPORTED_OS")
    loaded = rt.load(info.name)
    d = loaded.definition
    if not d.supported(plat):
        raise MinikubeError(f"The driver '{d.name}' is not supported on {plat}",
                            reason_id="DRV_UNSUPPORTED_OS")
    st = check_all([d])[d.name]
    _report_needs_improvement(d.name, st)
    if d.priority == Priority.OBSOLETE:
        r = provider_reason(d.name, "OBSOLETE")
        raise MinikubeError(f"The '{d.name}' driver is obsolete: {st.error or 'it is no longer supported'}",
                            reason_id=r.id, fix=st.fix or "Use another driver", doc=st.doc)
    if not st.error and (st.healthy or st.installed):
        return loaded
    if not st.installed:
        err = MinikubeError(f"The '{d.name}' provider was not found: {st.error}",
                            reason_id=provider_reason(d.name, "NOT_FOUND").id, fix=st.fix, doc=st.doc)
    else:
        rid = st.reason or provider_reason(d.name, "NOT_RUNNING" if not st.running else "ERROR").id
        err = MinikubeError(f"{d.name}: {st.error}" if st.error else f"The '{d.name}' driver is not healthy",
                            reason_id=rid, fix=st.fix, doc=st.doc)
    if force:
        _ui.warn(f"{err.reason.id}: {err.message} (continuing because of --force)")
        return loaded
    raise err


def parse_size_mb(flag: str, value: str) -> int:
    """``2048``, ``2g``, ``2048mb``, ``2gb`` -> MB; anything else is a usage error naming the flag."""
    v = value.strip().lower()
    units = {"": 1, "m": 1, "mb": 1, "mib": 1, "g": 1024, "gb": 1024, "gib": 1024, "t": 1024 * 1024,
             "tb": 1024 * 1024, "k": 1 / 1024, "kb": 1 / 1024}
    num = v.rstrip("kmgtib")
    unit = v[len(num):]
    try:
        n = float(num)
    except ValueError:
        n = -1
    if unit not in units or n <= 0:
        raise UsageError(f"invalid value {value!r} for {flag}: use a positive size like 2048mb or 4g")
    return int(n * units[unit])


def parse_count(flag: str, value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise UsageError(f"invalid value {value!r} for {flag}: use a whole number of at least 1")
    return n
