"""pytest plugin entry (``pytest11``) for minikube's driver conformance kit."""
