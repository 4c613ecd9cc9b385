"""Reproduce the comparison figure: the four Chen 2024 arms, the Qi 2017 case, the canine case.

The canine report (Jang 2025) does not give the dose per infusion, so the figure uses an
explicit one, 1×10⁶ cells/kg, and labels it as given (not reported by the source).

Usage::

    python examples/compare_figure.py            # writes out/compare.svg and out/compare.pdf
    python examples/compare_figure.py figures/   # or into another folder

The same command always writes the same bytes, so the files can live in a paper's repository.
The same figure from the command line::

    celldose compare chen2024-itp-ucmsc qi2017-sjogren-thrombocytopenia jang2025-canine-itp \\
        --dose jang2025-canine-itp="1×10⁶ cells/kg" -o out/compare.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

import celldose

PROTOCOLS = [
    "chen2024-itp-ucmsc",  # four arms: escalation 0.5, 1.0 and 2.0, expansion 2.0 ×10⁶ cells/kg
    "qi2017-sjogren-thrombocytopenia",  # 2×10⁶ cells/kg monthly ×4 (calendar months)
    "jang2025-canine-itp",  # q4w ×8, dose not reported
]
CANINE_DOSE = {"jang2025-canine-itp": "1×10⁶ cells/kg"}  # an assumption, labelled on the figure


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("out")
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in (".svg", ".pdf"):
        target = folder / f"compare{suffix}"
        celldose.plot_timeline(
            PROTOCOLS,
            target,
            dose=CANINE_DOSE,
            cumulative=True,  # second panel: cumulative cells/kg over time
            size="double",  # 174 mm wide; the height follows the number of lanes
            x="weeks",
        )
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
