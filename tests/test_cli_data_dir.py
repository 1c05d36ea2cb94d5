"""The data folder: ``--data-dir`` / ``CITEGRAPH_DATA``, with ``--cache-dir`` / ``CITEGRAPH_CACHE``
still accepted as aliases; and how the command line is installed and started."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

import pytest

from citegraph import cli
from citegraph.config import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("env,expected", [
    ({}, "cache"),
    ({"CITEGRAPH_DATA": "new"}, "new"),
    ({"CITEGRAPH_CACHE": "old"}, "old"),
    ({"CITEGRAPH_DATA": "new", "CITEGRAPH_CACHE": "old"}, "new"),
    ({"CITEGRAPH_DATA": "", "CITEGRAPH_CACHE": "old"}, "old"),
], ids=["default", "data", "cache-alias", "both-data-wins", "empty-data"])
def test_the_data_folder_from_the_environment(env, expected):
    settings = Settings.from_env(env)
    assert settings.data_dir == Path(expected)
    assert settings.store_path == Path(expected) / "citegraph.sqlite"


def test_an_override_beats_the_environment():
    settings = Settings.from_env({"CITEGRAPH_DATA": "new", "CITEGRAPH_CACHE": "old"}, data_dir=Path("flag"))
    assert settings.data_dir == Path("flag")


def _store_of(capsys, *args: str) -> str:
    assert cli.main([*args, "stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["store"]


@pytest.mark.parametrize("flag", ["--data-dir", "--cache-dir"])
def test_the_flag_and_its_alias_choose_the_folder(tmp_path, capsys, monkeypatch, flag):
    monkeypatch.setenv("CITEGRAPH_DATA", str(tmp_path / "from-env"))
    folder = tmp_path / "from-flag"
    from citegraph.store import Store

    with Store(Settings(data_dir=folder).store_path):
        pass
    assert _store_of(capsys, flag, str(folder)) == str(folder / "citegraph.sqlite")


@pytest.mark.parametrize("names", [("CITEGRAPH_DATA",), ("CITEGRAPH_CACHE",), ("CITEGRAPH_DATA", "CITEGRAPH_CACHE")])
def test_the_environment_and_its_alias_choose_the_folder(tmp_path, capsys, monkeypatch, names):
    from citegraph.store import Store

    monkeypatch.delenv("CITEGRAPH_DATA", raising=False)
    monkeypatch.delenv("CITEGRAPH_CACHE", raising=False)
    for name in names:
        monkeypatch.setenv(name, str(tmp_path / name))
        with Store(Settings(data_dir=tmp_path / name).store_path):
            pass
    assert _store_of(capsys) == str(tmp_path / names[0] / "citegraph.sqlite")


def test_help_names_the_data_folder(capsys):
    assert cli.main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--data-dir" in out and "data folder (default ./cache)" in out


def test_the_console_script_points_into_the_package():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    assert config["options.entry_points"]["console_scripts"].strip() == "citegraph = citegraph.cli:console_main"
    assert "py_modules" not in config["options"]  # no top-level module named cli is installed
