"""environment.yml (conda) and pyproject.toml (pip) must ask for the same packages with the same bounds."""

import re
import tomllib

import yaml

from ntm_analysis import paths


def _requirement(text: str) -> tuple[str, str]:
    name, bound = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", text).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), bound.replace(" ", "")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return dict(_requirement(r) for r in reqs)


def _environment() -> dict:
    return yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_matches_pyproject():
    deps = [d for d in _environment()["dependencies"] if isinstance(d, str)]
    conda = dict(_requirement(d) for d in deps)
    assert conda.pop("python") == "=3.11"
    assert conda.pop("pip") == ""
    assert conda == _pyproject()


def test_environment_uses_conda_forge_and_installs_the_package_itself():
    env = _environment()
    assert env["channels"] == ["conda-forge"]
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == [["-e ."]]
