"""Drop what the chosen variant does not use, then say what to do next."""

import json
import os
import shutil

ANSWERS = json.loads(r'''{{ cookiecutter|tojson }}''')  # see pre_gen_project.py
KIND = ANSWERS["kind"]
NAME = ANSWERS["driver_name"]
DIST = ANSWERS["__dist_name"]
PACKAGE = ANSWERS["__package"]
SCRIPT = ANSWERS["__plugin_script"]

#: Files only the external variant needs: the console script that serves the driver as a plugin.
EXTERNAL_ONLY = [os.path.join("src", PACKAGE, "plugin.py"), os.path.join("tests", "test_plugin.py")]


def main() -> None:
    if KIND == "builtin":
        for path in EXTERNAL_ONLY:
            os.remove(path)
    shutil.rmtree(os.path.join("src", PACKAGE, "__pycache__"), ignore_errors=True)
    runs = (f"in its own process, {SCRIPT}, over libmachine's plugin protocol" if KIND == "external"
            else "inside the minikube process")

    def step(command: str, why: str = "") -> str:
        return f"  {command:<36}# {why}" if why else f"  {command}"

    print("\n".join([
        "",
        f"Created {DIST}: the {NAME} driver ({KIND}: it runs {runs}).",
        "",
        "Next steps:",
        step(f"cd {DIST}"),
        step("python -m venv .venv && . .venv/bin/activate"),
        step("pip install -e '.[test]'", "the driver, with minikube and pytest"),
        step("pytest", "the conformance kit and the skeleton's own tests"),
        step("minikube drivers list", f"lists {NAME}"),
        step(f"minikube start --driver {NAME}", "a machine that is a local process; then status, stop, delete"),
        "",
        f"Then replace the local-process backend (src/{PACKAGE}/_machine.py) with yours; README.md",
        "explains each hook, and the conformance kit tells you which contract you break.",
    ]))


if __name__ == "__main__":
    main()
