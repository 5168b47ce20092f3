"""A driver whose minikube-driver.toml declares an unknown capability and one of the wrong type:
quarantined from its declaration alone (this module raises if anything imports it)."""

raise RuntimeError("minikube imported a driver whose declaration is invalid")
