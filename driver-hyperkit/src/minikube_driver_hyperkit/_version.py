"""The distribution's version (single source, read by hatchling) and the plugin's version."""

__version__ = "0.1.0"

#: What ``docker-machine-driver-hyperkit version`` reports.  minikube refuses hyperkit driver
#: binaries older than 1.11.0; this plugin implements that release's behaviour.
PLUGIN_VERSION = "1.11.0"
