"""Built for driver API 2: the core must refuse it WITHOUT importing it, so importing fails loudly."""
raise ImportError("minikube-driver-future was imported although its API range excludes this core")
