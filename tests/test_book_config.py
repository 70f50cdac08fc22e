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



def test_the_stylesheet_is_published_in_both_modes(build_book):
    """book/_config.yml names the stylesheet in html_css_files and its folder in
    html_static_path; the local-assets build keeps both."""
    for local in (False, True):
        config = written(build_book, "", local_assets=local)["sphinx"]["config"]
        assert config["html_static_path"] == ["_assets"]
        for name in config["html_css_files"]:
            assert (ROOT / "book" / "_assets" / name).is_file(), name


def test_the_toc_holds_chapter_8_and_the_reference_pages():
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text(encoding="utf-8"))
    parts = {part["caption"]: [c["file"] for c in part["chapters"]] for part in toc["parts"]}
    assert parts["8. Practice"] == ["notebooks/08_patterns_and_practices",
                                    "notebooks/90_check_a_system", "notebooks/91_capstone"]
    assert parts["Appendix"] == ["appendix/catalogue", "appendix/exercises", "appendix/errata",
                                 "appendix/glossary", "appendix/course"]
    listed = [f for files in parts.values() for f in files]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.stem}" in listed, f"{notebook.name} is not in the book"
