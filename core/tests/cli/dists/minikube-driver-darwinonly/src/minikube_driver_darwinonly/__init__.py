"""Test driver "darwinonly": macOS only; on Linux the core must refuse it WITHOUT importing it."""
raise ImportError("minikube-driver-darwinonly was imported on a platform it does not support")
