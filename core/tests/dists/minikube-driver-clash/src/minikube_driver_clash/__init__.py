"""A driver that declares a reason ID of minikube's own: quarantined from its declaration alone."""

raise RuntimeError("minikube imported a driver whose declaration is invalid")
