"""One package list: environment.yml and requirements-colab.txt agree with requirements.txt."""

from __future__ import annotations

import tomllib

import yaml

from helpers.settings import repo_root

ROOT = repo_root()


def pins(path) -> dict[str, str]:
    """Return {package: version} for the `name==version` lines of a requirements file."""
    out = {}
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{path}: '{line}' is not pinned with =="
            out[name.lower()] = version
    return out


def test_environment_yml_installs_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.txt" in pip_section and "-e ." in pip_section
    assert [d for d in pip_section if not d.startswith(("-r", "-e", "--extra-index-url"))] == []
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=" + python.split("=")[1]


def test_every_requirement_is_pinned():
    assert "torch" in pins("requirements.txt")


# Packages of requirements.txt that requirements-colab.txt leaves out, and why. Colab's image
# ships the first group (reinstalling torch there would take minutes and can break CUDA); the
# second is for contributors and CI, not for learners.
COLAB_SHIPS = {"torch", "accelerate", "matplotlib", "jupyterlab", "ipywidgets"}
NOT_FOR_LEARNERS = {"fpdf2", "nbval", "pytest", "ruff", "playwright"}


def test_every_requirement_is_decided_for_colab():
    full, colab = set(pins("requirements.txt")), set(pins("requirements-colab.txt"))
    undecided = full - colab - COLAB_SHIPS - NOT_FOR_LEARNERS
    assert not undecided, f"add to requirements-colab.txt (or say why not here): {undecided}"
    assert not colab & (COLAB_SHIPS | NOT_FOR_LEARNERS)


def test_colab_requirements_are_a_subset_without_torch():
    full, colab = pins("requirements.txt"), pins("requirements-colab.txt")
    assert set(colab) <= set(full)
    assert {name: full[name] for name in colab} == colab
    assert not {"torch", "jupyterlab", "matplotlib"} & set(colab)
