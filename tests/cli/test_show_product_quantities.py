"""`celldose show` prints the product's quantities as the file gives them (they decide volumes
and vials): studies.md gives Ryoncil 6.68×10⁶ MSC/mL, 3.8 mL per vial; Alofisel 30×10⁶ cells in
6 mL per vial; Enciso 90% viable after thawing; Jang no quantity at all."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from celldose.cli import cli


@pytest.mark.parametrize(
    ("protocol_id", "line"),
    [
        ("ryoncil2024-pediatric-sr-agvhd-remestemcel", "  6.68×10⁶ cells/mL; 3.8 mL per vial"),
        ("alofisel-crohn-perianal-fistula-darvadstrocel", "  3×10⁷ cells per vial; 6 mL per vial"),
        ("enciso2019-canine-ad-admsc", "  viability 90%"),
    ],
)
def test_show_prints_the_product_quantities(protocol_id: str, line: str) -> None:
    result = CliRunner().invoke(cli, ["show", protocol_id])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[lines.index(line) - 1].startswith("product: ")


def test_a_product_without_quantities_prints_none() -> None:
    result = CliRunner().invoke(cli, ["show", "jang2025-canine-itp"])
    lines = result.output.splitlines()
    product = next(i for i, x in enumerate(lines) if x.startswith("product: "))
    assert lines[product + 1] == "route: IV"
