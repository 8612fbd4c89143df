"""One package list: environment.yml and requirements-colab.txt agree with requirements.txt."""

from __future__ import annotations

import tomllib
from importlib.metadata import version

import yaml
from packaging.specifiers import SpecifierSet

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
    others = [d for d in pip_section if not d.startswith(("-r", "-e", "--extra-index-url"))]
    assert others == [f"notebook=={environment_pins()['notebook']}"]  # Binder's, see below
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=" + python.split("=")[1]


def environment_pins() -> dict[str, str]:
    """Return {package: version} of the `name==version` lines of environment.yml's pip part."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {
        name.lower(): version
        for name, _, version in (d.partition("==") for d in pip_section)
        if version
    }


# --- Binder: its base environment already holds `notebook`, which bounds jupyterlab ------------
# What each notebook release requires (Requires-Dist of its wheel, read on 2026-11-25 with
# `pip download --no-deps notebook==X` and `unzip -p notebook-X-*.whl '*/METADATA'`). Binder's
# base environment ships notebook 7.4.7 (issue 14); pip installs environment.yml's pip part into
# it, so without a notebook pin of its own the jupyterlab pin conflicts with 7.4.7.
BINDER_BASE_NOTEBOOK = "7.4.7"
NOTEBOOK_REQUIRES = {
    "7.4.7": {"jupyterlab": ">=4.4.9,<4.5", "jupyter-server": ">=2.4.0,<3",
              "jupyterlab-server": ">=2.27.1,<3", "notebook-shim": ">=0.2,<0.3",
              "tornado": ">=6.2.0"},
    "7.5.8": {"jupyterlab": ">=4.5.11,<4.6", "jupyter-server": ">=2.4.0,<3",
              "jupyterlab-server": ">=2.28.0,<3", "notebook-shim": ">=0.2,<0.3",
              "tornado": ">=6.2.0"},
    "7.6.5": {"jupyterlab": ">=4.6.6,<4.7", "jupyter-server": ">=2.19.0,<3",
              "jupyterlab-server": ">=2.28.0,<3", "jupyter-builder": ">=1.0.2,<2",
              "notebook-shim": ">=0.2,<0.3", "tornado": ">=6.2.0"},
}


def test_binder_base_notebook_would_conflict_without_a_pin():
    """The reason for the pin: Binder's own notebook does not accept our jupyterlab."""
    jupyterlab = pins("requirements.txt")["jupyterlab"]
    base = SpecifierSet(NOTEBOOK_REQUIRES[BINDER_BASE_NOTEBOOK]["jupyterlab"])
    assert jupyterlab not in base  # if this fails, the notebook pin may be dropped


def test_binder_notebook_pin_accepts_the_jupyterlab_pin():
    notebook = environment_pins().get("notebook")
    assert notebook, "environment.yml pins no notebook: Binder's 7.4.7 conflicts with jupyterlab"
    assert notebook in NOTEBOOK_REQUIRES, f"record notebook {notebook}'s requirements here"
    jupyterlab = pins("requirements.txt")["jupyterlab"]
    wanted = NOTEBOOK_REQUIRES[notebook]["jupyterlab"]
    assert jupyterlab in SpecifierSet(wanted), (
        f"notebook {notebook} requires jupyterlab{wanted}, requirements.txt pins {jupyterlab}: "
        "pin the notebook release made for that jupyterlab in environment.yml"
    )


def test_binder_notebook_pin_accepts_what_requirements_txt_installs():
    """notebook's other requirements hold for the packages the course's install brought in."""
    notebook = environment_pins()["notebook"]
    for name, wanted in NOTEBOOK_REQUIRES[notebook].items():
        installed = version(name)  # installed here from requirements.txt (jupyterlab's deps)
        assert installed in SpecifierSet(wanted), f"notebook {notebook}: {name}{wanted}"


def test_every_requirement_is_pinned():
    assert "torch" in pins("requirements.txt")


# Packages of requirements.txt that requirements-colab.txt leaves out, and why. Colab's image
# ships the first group (reinstalling torch there would take minutes and can break CUDA); the
# second is for contributors and CI, not for learners.
COLAB_SHIPS = {"torch", "accelerate", "matplotlib", "jupyterlab", "ipywidgets"}
NOT_FOR_LEARNERS = {"fpdf2", "nbval", "pytest", "ruff", "playwright"}


# Pins only Colab needs (the reasons are in requirements-colab.txt; scripts/colab_like.sh checks
# that pip then reports no conflict): a dependency held back to what Colab's own packages accept,
# and transformers moved past Colab's 5.15 (whose GGUF conversion breaks Gemma's tokenizer).
COLAB_ONLY = {"opentelemetry-exporter-otlp-proto-grpc", "transformers"}


def test_every_requirement_is_decided_for_colab():
    full, colab = set(pins("requirements.txt")), set(pins("requirements-colab.txt"))
    undecided = full - colab - COLAB_SHIPS - NOT_FOR_LEARNERS
    assert not undecided, f"add to requirements-colab.txt (or say why not here): {undecided}"
    assert not colab & (COLAB_SHIPS | NOT_FOR_LEARNERS)


def test_colab_requirements_are_a_subset_without_torch():
    full, colab = pins("requirements.txt"), pins("requirements-colab.txt")
    assert set(colab) - COLAB_ONLY <= set(full)
    assert not COLAB_ONLY & set(full)
    assert {name: full[name] for name in set(colab) - COLAB_ONLY} == {
        name: version for name, version in colab.items() if name not in COLAB_ONLY
    }
    assert not {"torch", "jupyterlab", "matplotlib"} & set(colab)


def test_colab_only_pins_match_colabs_own_packages():
    """The OpenTelemetry exporter is pinned to the OpenTelemetry release Colab ships."""
    colab_ships = pins("data/colab-packages.txt")
    exporter = pins("requirements-colab.txt")["opentelemetry-exporter-otlp-proto-grpc"]
    assert exporter == colab_ships["opentelemetry-api"] == colab_ships["opentelemetry-sdk"]
