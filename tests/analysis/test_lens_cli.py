"""`citegraph topics --list` and lens errors through the real entry point (no store needed)."""

from __future__ import annotations

import json

from citegraph.analysis.lens import load_lens
from cli_run import run

HOSTILE_NAME = "\x1b[31mred\x1b[0m [bold]x[/bold]"


def test_topics_list_prints_the_built_in_lens_keys_names_and_file(capsys):
    code, out, err = run(capsys, "topics", "--list")
    assert code == 0, err
    lens = load_lens()
    assert "cell-therapy.toml" in out
    for topic in lens.topics:
        assert any(line.split("│")[1:3] and topic.key in line and topic.name in line for line in out.splitlines())
    code, out, err = run(capsys, "topics", "--list", "--json")
    data = json.loads(out)
    assert data["lens"] == "cell-therapy" and data["file"].endswith("cell-therapy.toml")
    assert data["topics"] == [{"key": t.key, "name": t.name} for t in lens.topics]


def test_topics_list_reads_the_lens_given_and_keeps_its_text_inert(capsys, tmp_path):
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)  # the path outgrows an 80-column line
    folder.mkdir()
    lens = folder / "mine.toml"
    toml_name = HOSTILE_NAME.replace("\x1b", "\\u001b")
    lens.write_text(f'name = "mine"\n[[topic]]\nkey = "k1"\nname = "{toml_name}"\npatterns = ["abc"]\n')
    assert load_lens(lens).topics[0].name == HOSTILE_NAME
    code, out, err = run(capsys, "topics", "--list", "--lens", str(lens))
    assert code == 0, err
    assert str(lens) in out and "k1" in out
    assert "\x1b" not in out and "[bold]x[/bold]" in out


def test_topics_help_mentions_list_and_topic_help_points_to_it(capsys):
    code, out, _ = run(capsys, "topics", "--help")
    assert code == 0 and "--list" in out and "topics --list" in out
    code, out, _ = run(capsys, "rank", "--help")
    assert "topics --list" in " ".join(out.split())


def test_topics_without_seed_or_list_is_a_usage_error(capsys):
    code, _, err = run(capsys, "topics")
    assert code == 2 and "--list" in err


def test_a_deeply_nested_lens_is_a_one_line_error_naming_the_file(capsys, tmp_path):
    lens = tmp_path / "deep.toml"
    lens.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, out, err = run(capsys, "topics", "--list", "--lens", str(lens))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and out == "" and len(lines) == 1
    assert lines[0].startswith("citegraph: error: lens ") and str(lens) in " ".join(err.split())
    assert "RecursionError" not in err and "nested too deeply" in err


def test_an_exponential_lens_pattern_is_a_one_line_error(capsys, tmp_path):
    lens = tmp_path / "slow.toml"
    lens.write_text("[[topic]]\nkey = \"slow\"\nname = \"Slow\"\npatterns = ['(L|L)*X']\n")
    code, _, err = run(capsys, "topics", "--list", "--lens", str(lens))
    assert code == 1 and "(L|L)*X" in err and "refused" in err
