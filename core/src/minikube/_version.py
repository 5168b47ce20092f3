"""The one place that states the core's version and the driver API it implements."""

__version__ = "0.7.0"

#: The driver API this core implements.  Semantic: a driver built for API 1.x works with any
#: core that implements 1.y; a major bump breaks drivers.  Drivers declare the range they
#: support in their ``minikube-driver.toml`` (see the README for driver authors).  1.1: declared
#: capabilities and reasons; 1.2: the ``boot_image`` capability and ``boot_image_fix``; 1.3: shared
#: folders (``ClusterConfig.mounts``, ``minikube.machine.Share``, ``Driver.attach_share``); 1.4: nodes
#: (``ClusterConfig.nodes``, ``ClusterConfig.node`` and ``machine_name`` for a config creator); 1.5:
#: readiness (actions return in their state, ``start`` returns when the machine answers SSH,
#: ``minikube.machine.wait_for_ssh``/``run_action``, the ``no_ssh`` capability); 1.6: share owners and
#: limits (``Share.uid``/``gid``, ``minikube.machine.userns_argv``/``userns_failure``/``check_userns``,
#: ``BoundedPool``/``machines_at_once``, ``minikube.machine.plugin.sudoers_lines``/``sudoers_fix``).
DRIVER_API_VERSION = "1.6"

#: libmachine's plugin protocol version (``GetVersion`` answers this).
LIBMACHINE_API_VERSION = 1
