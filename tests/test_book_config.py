"""tools/build_book.py's configuration: launch buttons follow the repository's URL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def build_book(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "BOOK", tmp_path / "book")
    monkeypatch.setattr(module, "GENERATED_CONFIG", tmp_path / "build" / "_config.yml")
    (tmp_path / "book").mkdir()
    return module


def written(build_book, url: str, local_assets: bool = False) -> dict:
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = url
    (build_book.BOOK / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return yaml.safe_load(build_book.write_config(local_assets).read_text(encoding="utf-8"))


def test_no_launch_button_while_the_repository_url_is_unset(build_book):
    config = written(build_book, "")
    assert "repository" not in config
    assert not {"binderhub_url", "jupyterhub_url"} & set(config["launch_buttons"])


def test_a_repository_url_brings_the_binder_button(build_book):
    config = written(build_book, "https://github.com/example/msatheory", local_assets=True)
    assert config["repository"]["url"] == "https://github.com/example/msatheory"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert "mathjax_path" in config["sphinx"]["config"]

