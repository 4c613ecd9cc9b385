"""Reproduce the comparison figure: the four Chen 2024 arms, the Qi 2017 case, the canine case.

The canine report (Jang 2025) does not give the dose per infusion, so the figure uses an
explicit one, 1×10⁶ cells/kg, and labels it as given (not reported by the source).

Usage::

    python examples/compare_figure.py            # out/compare.svg, out/compare.pdf and the caption
    python examples/compare_figure.py figures/   # or into another folder

The same command always writes the same bytes, so the files can live in a paper's repository.
The same figure from the command line::

    celldose compare chen2024-itp-ucmsc qi2017-sjogren-thrombocytopenia jang2025-canine-itp \\
        --dose jang2025-canine-itp="1×10⁶ cells/kg" -o out/compare.pdf \\
        --caption out/compare-caption.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

import celldose
from celldose.simulator.figures import save_figure

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
        fig, timeline = celldose.timeline_figure(
            PROTOCOLS,
            dose=CANINE_DOSE,
            cumulative=True,  # second panel: cumulative cells/kg over time
            size="double",  # 174 mm wide; the height follows the number of lanes
            x="weeks",  # the time axis is broken after the dosing when that helps (time_axis=)
        )
        save_figure(fig, target)
        print(target)
    caption = folder / "compare-caption.txt"  # the notes: the figure's caption, not drawn in it
    caption.write_text(timeline.caption + "\n", encoding="utf-8")
    print(caption)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
