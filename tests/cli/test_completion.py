"""Shell completion of values: protocol ids and YAML files, arms, species, output paths.

Two tests speak bash's completion protocol (the ``_CELLDOSE_COMPLETE`` variable, COMP_WORDS and
COMP_CWORD, as the shell scripts of click set them): one to the installed `celldose` in a
subprocess, the other to ``main`` in the test process (the entry point is the first test's
subject; click reads the variables when ``main`` runs, not at import). The rest ask click's
completion API in the test process, which runs the same code. That a normal run never imports
click's completion module is tested in tests/test_start_up_imports.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from celldose.cli import cli, main

CELLDOSE = str(Path(sys.executable).with_name("celldose"))
CHEN_ARMS = ["escalation-0.5", "escalation-1.0", "escalation-2.0", "expansion-2.0"]
IDS = [
    "aa-ucmsc-18",
    "alofisel-crohn-perianal-fistula-darvadstrocel",
    "chen2024-itp-ucmsc",
    "enciso2019-canine-ad-admsc",
    "izadi2022-t1d-bmmsc",
    "jang2025-canine-itp",
    "lanzoni2021-covid-ards-ucmsc",
    "mcintyre2018-ciss-septic-shock-bmmsc",
    "perez-merino2015-canine-ibd-admsc",
    "qi2017-sjogren-thrombocytopenia",
    "quimby2016-feline-ckd-admsc",
    "ryoncil2024-pediatric-sr-agvhd-remestemcel",
    "villatoro2018-canine-ad-admsc",
]


def bash_variables(words: str) -> dict[str, str]:
    """The variables click's bash script sets to complete ``words`` (the cursor at its end)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    return {"_CELLDOSE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}


def bash_complete(words: str) -> list[str]:
    """What the installed `celldose` answers bash for the command line ``words``."""
    done = subprocess.run(
        [CELLDOSE],
        env={**os.environ, **bash_variables(words)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr == ""
    return done.stdout.splitlines()


def bash_complete_in_process(
    words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    """What ``main`` answers bash for ``words``: it exits 0, as the installed `celldose` does."""
    for name, value in bash_variables(words).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as done:
        main([])
    out, err = capsys.readouterr()
    assert (done.value.code, err) == (0, "")
    return out.splitlines()


def complete(*args: str) -> list[tuple[str, str]]:
    """(type, value) of each completion of the last of ``args`` after `celldose`."""
    shell = ShellComplete(cli, {}, "celldose", "_CELLDOSE_COMPLETE")
    items = shell.get_completions(list(args[:-1]), args[-1])
    return [(item.type, item.value) for item in items]


def test_a_protocol_id_completes_in_the_shell() -> None:
    assert bash_complete("celldose dose ch") == ["dir,ch", "plain,chen2024-itp-ucmsc"]


def test_arm_completes_to_the_arms_of_the_protocol_in_the_shell(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    words = "celldose dose chen2024-itp-ucmsc --arm "
    assert bash_complete_in_process(words, monkeypatch, capsys) == [
        f"plain,{arm}" for arm in CHEN_ARMS
    ]


@pytest.mark.parametrize("command", ["dose", "show", "check", "plot", "compare", "simulate"])
def test_every_protocol_command_completes_library_ids(command: str) -> None:
    assert complete(command, "") == [("dir", ""), *[("plain", i) for i in IDS]]


def test_yaml_files_and_folders_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "protocols").mkdir()
    (tmp_path / "protocols" / "dog.yaml").write_text("id: dog\n", encoding="utf-8")
    (tmp_path / "protocols" / "cat.yml").write_text("id: cat\n", encoding="utf-8")
    (tmp_path / "protocols" / "notes.txt").write_text("", encoding="utf-8")
    (tmp_path / "protocols" / ".hidden.yaml").write_text("", encoding="utf-8")
    (tmp_path / "jang-copy.yaml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # a folder is left to the shell (one "dir" item); YAML files are listed, other files not
    assert complete("check", "protocols/") == [
        ("dir", "protocols/"),
        ("plain", "protocols/cat.yml"),
        ("plain", "protocols/dog.yaml"),
    ]
    assert complete("check", "protocols/.") == [
        ("dir", "protocols/."),
        ("plain", "protocols/.hidden.yaml"),
    ]
    assert complete("dose", "ja") == [
        ("dir", "ja"),
        ("plain", "jang2025-canine-itp"),
        ("plain", "jang-copy.yaml"),
    ]
    assert complete("dose", "missing/x") == [("dir", "missing/x")]


def test_arm_completes_after_other_options() -> None:
    assert complete("dose", "--weight", "70kg", "chen2024-itp-ucmsc", "--arm", "exp") == [
        ("plain", "expansion-2.0")
    ]


def test_arm_of_a_protocol_file(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "id: two-arms\ntitle: Two arms\nspecies: dog\nindication: Testing\nproduct:\n"
        "  name: cAT-MSC\n  tissue_source: adipose tissue\n  donor: allogeneic\n"
        "  origin_species: dog\nroute: IV\ndose: 2×10⁶ cells/kg\narms:\n"
        "  - name: low\n    regimen: q4w ×2\n  - name: high\n    regimen: q4w ×4\n"
        "reference:\n  citation: Test 2025.\n",
        encoding="utf-8",
    )
    assert complete("plot", str(path), "--arm", "") == [("plain", "low"), ("plain", "high")]


def test_compare_arm_completes_the_arms_of_every_protocol() -> None:
    args = ("compare", "jang2025-canine-itp", "chen2024-itp-ucmsc", "--arm", "")
    assert complete(*args) == [("plain", "msc"), *[("plain", arm) for arm in CHEN_ARMS]]


@pytest.mark.parametrize(
    "args",
    [
        ("dose", "--arm", ""),  # no protocol yet
        ("dose", "no-such-protocol", "--arm", ""),
        ("dose", "-", "--arm", ""),  # standard input is not read while completing
    ],
)
def test_arm_completes_to_nothing_without_a_readable_protocol(args: tuple[str, ...]) -> None:
    assert complete(*args) == []


def test_species_complete() -> None:
    assert complete("dose", "--species", "h") == [
        ("plain", "horse"),
        ("plain", "human"),
        ("plain", "human-child"),
    ]
    assert complete("plot", "--species", "r") == [
        ("plain", "rat"),
        ("plain", "rabbit"),
        ("plain", "rhesus-monkey"),
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("dose", "chen2024-itp-ucmsc", "-o", "out"),
        ("plot", "chen2024-itp-ucmsc", "--output", "out"),
        ("compare", "chen2024-itp-ucmsc", "-o", "out"),
        ("simulate", "chen2024-itp-ucmsc", "--plot", "out"),
        ("simulate", "chen2024-itp-ucmsc", "-o", "out"),
        ("simulate", "chen2024-itp-ucmsc", "--roster", "out"),
    ],
)
def test_output_paths_are_left_to_the_shell(args: tuple[str, ...]) -> None:
    assert complete(*args) == [("file", "out")]


def test_an_option_given_twice_does_not_break_completion() -> None:
    """Refused when run; while completing, the line is unfinished and the refusal waits."""
    args = ("dose", "chen2024-itp-ucmsc", "--weight", "1kg", "--weight", "2kg", "--arm", "esc")
    assert complete(*args) == [("plain", arm) for arm in CHEN_ARMS[:3]]


def test_route_complete() -> None:
    assert complete("dose", "--route", "i") == [
        ("plain", "IV"),
        ("plain", "IM"),
        ("plain", "intralesional"),
        ("plain", "intra-articular"),
        ("plain", "intrathecal"),
        ("plain", "intradermal"),
        ("plain", "intraperitoneal"),
    ]
    assert complete("simulate", "--route", "s") == [("plain", "SC")]
