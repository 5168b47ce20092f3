"""Choosing and validating the driver, as minikube's ``start`` does.

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

from .._errors import MinikubeError, Reason, RegistryError, is_known_reason, provider_reason, reason
from ..registry import DriverDef, DriverHealth, Health, Priority, Registry, current_platform
from ..registry._health import rank, suggest
from . import _ui
from ._settings import Resolved

log = logging.getLogger("minikube.cli")


@dataclass
class Choice:
    name: str  # the canonical driver name (an alias resolved)
    definition: DriverDef
    how: str  # "existing profile", "user configuration" or "auto"
    health: Health = field(default_factory=Health)


def choose(reg: Registry, *, profile: str, requested: Resolved, existing: str | None,
           explain: bool = False, force: bool = False) -> Choice:
    """``requested`` is the driver setting with its source: a flag, the environment, config.toml or none."""
    explicit = requested.value if requested.source not in ("config.toml", "default") else None
    if existing:
        if explicit and reg.canonical(explicit) != reg.canonical(existing):
            raise MinikubeError(
                f'The existing "{profile}" cluster was created using the "{existing}" driver, '
                f'which is incompatible with requested "{explicit}" driver.',
                reason_id="GUEST_DRIVER_MISMATCH",
                fix=f"Delete the existing '{profile}' cluster using: 'minikube delete -p {profile}', or start "
                    f"the existing '{profile}' cluster using: 'minikube start -p {profile} --driver={existing}'")
        if requested.value and requested.source == "config.toml" and reg.canonical(requested.value) != reg.canonical(existing):
            log.info("configured driver %s ignored: profile %s uses %s", requested.value, profile, existing)
        _ui.info(f"* Using the {existing} driver based on existing profile")
        return _validated(reg, existing, "existing profile", f'the "{profile}" profile was made with it',
                          explain, force)
    if requested.value:
        name = reg.info(requested.value).name  # DRV_NOT_FOUND with "did you mean" before anything else
        _ui.info(f"* Using the {name} driver based on user configuration")
        origin = "config.toml" if requested.source == "config.toml" else f"{requested.source} {requested.value}"
        return _validated(reg, requested.value, "user configuration", f"requested by {origin}", explain, force)
    return auto_select(reg, explain)


def _validated(reg: Registry, name: str, how: str, why: str, explain: bool, force: bool) -> Choice:
    if explain:
        _ui.info("* Driver choice (--explain):")
        _ui.info(f"  - {reg.canonical(name)}: picked: {why}; auto-selection was not needed")
    d, st = validate(reg, name, force=force, explain=explain)
    return Choice(d.name, d, how, st)


# --- auto-selection -----------------------------------------------------------------------------

def auto_select(reg: Registry, explain: bool) -> Choice:
    """minikube's Suggest over every supported driver, health checks all at once."""
    plat = current_platform()
    found = reg.candidates(plat)
    options = rank(found.usable, reg.health(found.usable))
    s = suggest(options)
    if explain:
        _explain(s.pick, options, found.quarantined, found.unsupported, plat)
    if s.pick is None:
        _report_no_pick(s.rejects, s.alternates, found.quarantined)
    assert s.pick is not None and s.pick.definition is not None
    alts = [o.name for o in s.alternates]
    _ui.info(f"* Automatically selected the {s.pick.name} driver"
             + (f". Other choices: {', '.join(alts)}" if alts else ""))
    _needs_improvement(s.pick.name, s.pick.health)
    return Choice(s.pick.name, s.pick.definition, "auto", s.pick.health)


def _report_no_pick(rejects: list[DriverHealth], alternates: list[DriverHealth],
                    quarantined: dict[str, RegistryError]) -> None:
    installed = [o for o in rejects if o.health.installed]
    missing = [o for o in rejects if not o.health.installed]
    _ui.info("* Unable to pick a default driver. Here is what was considered, in preference order:")
    for o in installed:
        _ui.info(f"  - {o.name}: {o.rejection}")
        if o.suggestion:
            _ui.info(f"    {o.name}: Suggestion: {o.suggestion}")
    for o in alternates:
        _ui.info(f"  - {o.name}: installed, but {o.rejection}; use it with: minikube start --driver={o.name}")
    for name, q in quarantined.items():
        _ui.info(f"  - {name}: Broken (quarantined): {q.message}")
        if q.fix:
            _ui.info(f"    {name}: Suggestion: {q.fix}")
    if missing:
        _ui.info("* Alternatively you could install one of these drivers:")
        for o in missing:
            _ui.info(f"  - {o.name}: {o.rejection}")
            if o.suggestion or o.health.fix:
                _ui.info(f"    {o.name}: Suggestion: {o.suggestion or o.health.fix}")
    if installed:
        raise MinikubeError("Found driver(s) but none were healthy. See above for suggestions how to fix "
                            "installed drivers.", reason_id="DRV_NOT_HEALTHY")
    raise MinikubeError("No possible driver was detected. Try specifying --driver, or see "
                        "https://minikube.sigs.k8s.io/docs/start/", reason_id="DRV_NOT_DETECTED",
                        fix="Install a driver package: pip install minikube-driver-<name> (for the drivers "
                            "that exist, see https://minikube.sigs.k8s.io/docs/drivers/)")


def _explain(pick: DriverHealth | None, options: list[DriverHealth], quarantined: dict[str, RegistryError],
             unsupported: list[str], plat: str) -> None:
    _ui.info("* Drivers considered, in preference order (--explain):")
    for o in options:
        head = f"  - {o.name} (priority {o.priority.label}, {'default' if o.default else 'not default'})"
        if o is pick:
            verdict = "picked: the highest-priority healthy default driver"
        elif not o.health.installed or not o.health.healthy:
            verdict = f"rejected: {o.rejection}"
        else:
            verdict = f"alternate: {o.rejection}"
        _ui.info(f"{head}: {verdict}")
    for name, q in quarantined.items():
        _ui.info(f"  - {name}: rejected: broken (quarantined): {q.message}")
    for name in unsupported:
        _ui.info(f"  - {name}: rejected: not supported on {plat}")


# --- validation ---------------------------------------------------------------------------------

def _needs_improvement(name: str, st: Health) -> None:
    if st.needs_improvement:
        _ui.info(f"* For improved {name} performance, {st.fix}")


def _provider_error(name: str, st: Health) -> MinikubeError:
    """Step 6 of minikube's validateDriver: the state's reason or PROVIDER_X_ERROR; not running wins."""
    if not st.running:
        r = provider_reason(name, "NOT_RUNNING")
    elif st.reason:
        r = reason(st.reason)  # the core's or the driver's declared reason
        if not is_known_reason(st.reason):
            r = Reason(st.reason, 69)  # an undeclared ID: provider unavailable
    else:
        r = provider_reason(name, "ERROR")
    message = st.error or f"The '{name}' driver is not healthy"
    err = MinikubeError(message, reason_id=r.id, fix=st.fix, doc=st.doc)
    err.reason = r
    return err


def validate(reg: Registry, name: str, *, force: bool = False, explain: bool = False) -> tuple[DriverDef, Health]:
    """Supported here -> needs improvement -> obsolete -> healthy, with minikube's reasons and codes."""
    d = reg.load_supported(name)
    st = reg.health([d])[d.name]
    if explain:
        _ui.info(f"    health: {_health_words(st)}")
    _needs_improvement(d.name, st)
    if d.priority == Priority.OBSOLETE:
        raise MinikubeError(st.error or f"The '{d.name}' driver is obsolete",
                            reason_id=provider_reason(d.name, "OBSOLETE").id,
                            fix=st.fix or "Use another driver: minikube drivers list", doc=st.doc)
    if not st.error and st.installed and st.healthy:
        return d, st
    if not st.installed:
        raise MinikubeError(f"The '{d.name}' provider was not found: {st.error or 'it is not installed'}",
                            reason_id=provider_reason(d.name, "NOT_FOUND").id, fix=st.fix, doc=st.doc)
    err = _provider_error(d.name, st)
    if force:
        _ui.warn(f"{err.reason.id}: {err.message} (ignored because of --force)")
        return d, st
    raise err


def _health_words(st: Health) -> str:
    words = ["installed" if st.installed else "not installed", "healthy" if st.healthy else "unhealthy",
             "running" if st.running else "not running"]
    if st.needs_improvement:
        words.append("needs improvement")
    if st.error:
        words.append(f"error: {st.error}")
    if st.reason:
        words.append(f"reason: {st.reason}")
    return ", ".join(words)
