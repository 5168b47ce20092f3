"""Choosing and validating the driver, as minikube's ``start`` does (SPEC section 2).

Order: the existing profile's driver, then ``--driver`` (or ``MINIKUBE_DRIVER``), then the
configured driver, then auto-selection by health and priority.  The chosen driver is then
validated: supported here, needs improvement, obsolete, not installed, unhealthy or not
running, each with minikube's message, reason ID and exit code.  Beyond minikube: unknown names
get "did you mean" and the pip package to install, broken plugins are quarantined (listed, never
picked), and ``--explain`` says why each driver was picked, rejected or left as an alternate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .._errors import REASONS, MinikubeError, Reason, provider_reason
from .._runtime import Loaded, Runtime, strict_plugins
from ..registry import DriverState, Priority, State, current_platform, rank, suggest
from . import _ui
from ._health import check_concurrently
from ._settings import Resolved

log = logging.getLogger("minikube.cli")

DRIVERS_DOC = "https://minikube.sigs.k8s.io/docs/drivers/"


@dataclass
class Choice:
    name: str  # the canonical driver name (an alias resolved)
    loaded: Loaded
    how: str  # "existing profile", "user configuration" or "auto"
    state: State = field(default_factory=State)


def _canonical(rt: Runtime, name: str) -> str:
    info = rt.catalog.resolve(name)
    return info.name if info is not None else name


def choose(rt: Runtime, *, profile: str, requested: Resolved, existing: str | None,
           explain: bool = False, force: bool = False) -> Choice:
    """``requested`` is the driver setting with its source: a flag, the environment, config.toml or none."""
    explicit = requested.value if requested.source not in ("config.toml", "default") else None
    if existing:
        if explicit and _canonical(rt, explicit) != _canonical(rt, existing):
            raise MinikubeError(
                f'The existing "{profile}" cluster was created using the "{existing}" driver, '
                f'which is incompatible with requested "{explicit}" driver.',
                reason_id="GUEST_DRIVER_MISMATCH",
                fix=f"Delete the existing '{profile}' cluster using: 'minikube delete -p {profile}', or start "
                    f"the existing '{profile}' cluster using: 'minikube start -p {profile} --driver={existing}'")
        if requested.value and requested.source == "config.toml" and _canonical(rt, requested.value) != _canonical(rt, existing):
            log.info("configured driver %s ignored: profile %s uses %s", requested.value, profile, existing)
        _ui.info(f"* Using the {existing} driver based on existing profile")
        return _validated(rt, existing, "existing profile", f'the "{profile}" profile was made with it',
                          explain, force)
    if requested.value:
        name = rt.info(requested.value).name  # DRV_NOT_FOUND with "did you mean" before anything else
        _ui.info(f"* Using the {name} driver based on user configuration")
        origin = "config.toml" if requested.source == "config.toml" else f"{requested.source} {requested.value}"
        return _validated(rt, requested.value, "user configuration", f"requested by {origin}", explain, force)
    return auto_select(rt, explain)


def _validated(rt: Runtime, name: str, how: str, why: str, explain: bool, force: bool) -> Choice:
    if explain:
        _ui.info("* Driver choice (--explain):")
        _ui.info(f"  - {_canonical(rt, name)}: picked: {why}; auto-selection was not needed")
    loaded, st = validate(rt, name, force=force, explain=explain)
    return Choice(loaded.definition.name, loaded, how, st)


# --- auto-selection -----------------------------------------------------------------------------

@dataclass
class _Quarantined:
    name: str
    message: str
    fix: str


def auto_select(rt: Runtime, explain: bool) -> Choice:
    """minikube's Suggest over every supported driver, health checks all at once."""
    plat = current_platform()
    loaded: dict[str, Loaded] = {}
    quarantined: list[_Quarantined] = []
    unsupported: list[str] = []
    for name in rt.catalog.names():
        info = rt.catalog.drivers[name]
        if info.platforms and not info.supported:
            unsupported.append(name)
            continue
        try:
            ld = rt.load(name)
        except MinikubeError as e:
            if strict_plugins():
                raise
            quarantined.append(_Quarantined(name, e.message, e.fix))
            continue
        if ld.definition.supported(plat):
            loaded[ld.definition.name] = ld
        else:
            unsupported.append(name)
    defs = [ld.definition for ld in loaded.values()]
    options = rank(defs, check_concurrently(defs))
    s = suggest(options)
    if explain:
        _explain(s.pick, options, quarantined, unsupported, plat)
    if s.pick is None:
        _report_no_pick(s.rejects, s.alternates, quarantined)
    assert s.pick is not None
    alts = [o.name for o in s.alternates]
    _ui.info(f"* Automatically selected the {s.pick.name} driver"
             + (f". Other choices: {', '.join(alts)}" if alts else ""))
    _needs_improvement(s.pick.name, s.pick.state)
    return Choice(s.pick.name, loaded[s.pick.name], "auto", s.pick.state)


def _report_no_pick(rejects: list[DriverState], alternates: list[DriverState],
                    quarantined: list[_Quarantined]) -> None:
    installed = [o for o in rejects if o.state.installed]
    missing = [o for o in rejects if not o.state.installed]
    _ui.info("* Unable to pick a default driver. Here is what was considered, in preference order:")
    for o in installed:
        _ui.info(f"  - {o.name}: {o.rejection}")
        if o.suggestion:
            _ui.info(f"    {o.name}: Suggestion: {o.suggestion}")
    for o in alternates:
        _ui.info(f"  - {o.name}: installed, but {o.rejection}; use it with: minikube start --driver={o.name}")
    for q in quarantined:
        _ui.info(f"  - {q.name}: Broken (quarantined): {q.message}")
        if q.fix:
            _ui.info(f"    {q.name}: Suggestion: {q.fix}")
    if missing:
        _ui.info("* Alternatively you could install one of these drivers:")
        for o in missing:
            _ui.info(f"  - {o.name}: {o.rejection}")
            if o.suggestion or o.state.fix:
                _ui.info(f"    {o.name}: Suggestion: {o.suggestion or o.state.fix}")
    if installed:
        raise MinikubeError("Found driver(s) but none were healthy. See above for suggestions how to fix "
                            "installed drivers.", reason_id="DRV_NOT_HEALTHY")
    raise MinikubeError("No possible driver was detected. Try specifying --driver, or see "
                        "https://minikube.sigs.k8s.io/docs/start/", reason_id="DRV_NOT_DETECTED",
                        fix="Install a driver, e.g.: pip install minikube-driver-kvm2")


def _explain(pick: DriverState | None, options: list[DriverState], quarantined: list[_Quarantined],
             unsupported: list[str], plat: str) -> None:
    _ui.info("* Drivers considered, in preference order (--explain):")
    for o in options:
        head = f"  - {o.name} (priority {o.priority.label}, {'default' if o.default else 'not default'})"
        if o is pick:
            verdict = "picked: the highest-priority healthy default driver"
        elif not o.state.installed or not o.state.healthy:
            verdict = f"rejected: {o.rejection}"
        else:
            verdict = f"alternate: {o.rejection}"
        _ui.info(f"{head}: {verdict}")
    for q in quarantined:
        _ui.info(f"  - {q.name}: rejected: broken (quarantined): {q.message}")
    for name in unsupported:
        _ui.info(f"  - {name}: rejected: not supported on {plat}")


# --- validation ---------------------------------------------------------------------------------

def _needs_improvement(name: str, st: State) -> None:
    if st.needs_improvement:
        _ui.info(f"* For improved {name} performance, {st.fix}")


def _provider_error(name: str, st: State) -> MinikubeError:
    """Step 6 of minikube's validateDriver: the state's reason or PROVIDER_X_ERROR; not running wins."""
    if not st.running:
        r = provider_reason(name, "NOT_RUNNING")
    elif st.reason:
        r = REASONS.get(st.reason) or Reason(st.reason, 69)  # a driver's own ID: provider unavailable
    else:
        r = provider_reason(name, "ERROR")
    message = st.error or f"The '{name}' driver is not healthy"
    err = MinikubeError(message, reason_id=r.id, fix=st.fix, doc=st.doc)
    err.reason = r
    return err


def unsupported(name: str) -> MinikubeError:
    return MinikubeError(f"The driver '{name}' is not supported on {current_platform()}",
                         reason_id="DRV_UNSUPPORTED_OS", doc=DRIVERS_DOC)


def load_supported(rt: Runtime, name: str) -> Loaded:
    """The driver by name or alias, refused before import when its metadata excludes this platform."""
    info = rt.info(name)  # DRV_NOT_FOUND with "did you mean" for unknown names
    if info.platforms and not info.supported:  # decided from minikube-driver.toml: nothing imported
        raise unsupported(info.name)
    return rt.load(info.name)


def validate(rt: Runtime, name: str, *, force: bool = False, explain: bool = False) -> tuple[Loaded, State]:
    """Supported here -> needs improvement -> obsolete -> healthy, with minikube's reasons and codes."""
    plat = current_platform()
    loaded = load_supported(rt, name)
    d = loaded.definition
    if not d.supported(plat):
        raise unsupported(d.name)
    st = check_concurrently([d])[d.name]
    if explain:
        _ui.info(f"    health: {_health_words(st)}")
    _needs_improvement(d.name, st)
    if d.priority == Priority.OBSOLETE:
        raise MinikubeError(st.error or f"The '{d.name}' driver is obsolete",
                            reason_id=provider_reason(d.name, "OBSOLETE").id,
                            fix=st.fix or "Use another driver: minikube drivers list", doc=st.doc)
    if not st.error and st.installed and st.healthy:
        return loaded, st
    if not st.installed:
        raise MinikubeError(f"The '{d.name}' provider was not found: {st.error or 'it is not installed'}",
                            reason_id=provider_reason(d.name, "NOT_FOUND").id, fix=st.fix, doc=st.doc)
    err = _provider_error(d.name, st)
    if force:
        _ui.warn(f"{err.reason.id}: {err.message} (ignored because of --force)")
        return loaded, st
    raise err


def _health_words(st: State) -> str:
    words = ["installed" if st.installed else "not installed", "healthy" if st.healthy else "unhealthy",
             "running" if st.running else "not running"]
    if st.needs_improvement:
        words.append("needs improvement")
    if st.error:
        words.append(f"error: {st.error}")
    if st.reason:
        words.append(f"reason: {st.reason}")
    return ", ".join(words)
