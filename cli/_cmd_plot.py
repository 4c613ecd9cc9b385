"""`celldose plot`: a protocol's timeline, drawn to a PNG, SVG or PDF file.

The figure options (--x, --size, --dpi, --cumulative, --notes, --caption, --font) are shared
with `compare`. The figure's notes are its caption: printed on standard output (or written to
--caption FILE), drawn inside the figure only with --notes.
matplotlib is imported only when the figure is drawn, never when this module is imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

from celldose.cli._complete import complete_arm, complete_path, complete_protocol, complete_species
from celldose.cli._flags import warning_lines
from celldose.cli._inputs import load_target
from celldose.cli._render import DATE, check_outputs, input_files, write_output
from celldose.protocols import OptionError

F = TypeVar("F", bound=Callable[..., Any])


def figure_options(*, cumulative: bool) -> Callable[[F], F]:
    """--x, --time-axis, --size, --dpi, --cumulative/--no-cumulative (default ``cumulative``),
    --notes/--no-notes, --caption, --font."""

    def decorate(func: F) -> F:
        for decorator in reversed(
            [
                click.option(
                    "--x",
                    "x_unit",
                    type=click.Choice(["days", "weeks", "months", "dates"]),
                    default=None,
                    help="x axis: time from the first dose, or calendar dates (needs --start). "
                    "Default: dates with --start, else weeks.",
                ),
                click.option(
                    "--time-axis",
                    "time_axis",
                    type=click.Choice(["auto", "linear", "broken", "log"]),
                    default="auto",
                    show_default=True,
                    help="Scale of time: broken keeps the dosing weeks at full resolution and "
                    "compresses the follow-up (the break marked); auto breaks the axis when "
                    "the doses fill a small part of the span.",
                ),
                click.option(
                    "--size",
                    default="double",
                    show_default=True,
                    help="single (85 mm), 1.5 (114 mm), double (174 mm) column, or WxH "
                    "(174x120mm, 7x5in); a preset sets the width, the height follows the lanes.",
                ),
                click.option(
                    "--dpi",
                    type=click.IntRange(50, 2400),
                    default=300,
                    show_default=True,
                    help="Resolution of a PNG file (SVG and PDF are vector).",
                ),
                click.option(
                    "--cumulative/--no-cumulative",
                    default=cumulative,
                    show_default=True,
                    help="Add a panel of the cumulative dose per kg over time.",
                ),
                click.option(
                    "--notes/--no-notes",
                    default=None,
                    help="--notes draws the figure's notes (conventions, values given, what is "
                    "not reported) inside it, under the figure; --no-notes leaves them out. "
                    "Default: not drawn, printed as the caption text.",
                ),
                click.option(
                    "--caption",
                    "caption",
                    default=None,
                    metavar="FILE",
                    shell_complete=complete_path,
                    help="Write the caption text (the figure's notes) to FILE instead of "
                    "printing it.",
                ),
                click.option(
                    "--label",
                    "labels",
                    multiple=True,
                    metavar="ID=TEXT",
                    help="Label the lanes of protocol ID with TEXT instead of its short label "
                    '(--label chen2024-itp-ucmsc="Chen et al. 2024"); repeatable.',
                ),
                click.option(
                    "--font",
                    default=None,
                    help="Font family of every text in the figure (an installed one; "
                    "default DejaVu Sans).",
                ),
            ]
        ):
            func = decorator(func)
        return func

    return decorate


def label_map(values: tuple[str, ...]) -> dict[str, str] | None:
    """``("chen2024-itp-ucmsc=Chen et al.",)`` -> {"chen2024-itp-ucmsc": "Chen et al."}."""
    out: dict[str, str] = {}
    for text in values:
        key, sep, label = text.partition("=")
        if not sep or not key.strip() or not label.strip():
            raise OptionError(
                f"--label {text!r} is not ID=TEXT",
                'write --label chen2024-itp-ucmsc="Chen et al. 2024"',
            )
        if key.strip() in out:
            raise OptionError(f"--label is given twice for {key.strip()}", "give it once")
        out[key.strip()] = label.strip()
    return out or None


def caption_wanted(notes: bool | None, caption: str | None) -> bool:
    """Whether the caption text goes to standard output: by default, not with --notes (drawn
    inside), --no-notes (left out) or --caption FILE (written there)."""
    return notes is None and caption is None


def write_caption(text: str, caption: str | None, inputs: tuple[str, ...]) -> None:
    """The caption text into --caption FILE (atomically; an empty file when there are no notes)."""
    if caption is not None:
        write_output(text, caption, inputs=inputs)


def echo_warnings(warnings: tuple[str, ...] | list[str]) -> None:
    """Each warning once, in order, to stderr, with the API arguments it names as flags."""
    for line in warning_lines(warnings):
        click.echo(line, err=True)


@click.command(name="plot")
@click.argument("protocol", required=False, shell_complete=complete_protocol)
@click.option(
    "--regimen",
    default=None,
    help='A one-line regimen instead of a protocol: "1×10⁶ cells/kg q21d ×3" (with --species).',
)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    shell_complete=complete_arm,
    help="Arm to draw; repeat for several. Default: every treatment arm.",
)
@click.option(
    "--species",
    default=None,
    shell_complete=complete_species,
    help="Species of a --regimen (dog, cat, human, ...).",
)
@click.option(
    "--weight",
    default=None,
    help="Body weight (12kg, 26.5lb): doses are labelled in cells for this patient.",
)
@click.option("--height", default=None, help="Height, for per-m² doses of humans: 170cm.")
@click.option("--start", type=DATE, default=None, help="Date of the first dose, YYYY-MM-DD.")
@click.option(
    "--dose",
    "dose_text",
    default=None,
    help='Dose per administration when the source does not report it: "1×10⁶ cells/kg" '
    "(without it such doses are drawn hollow).",
)
@click.option("--count", type=int, default=None, help="Number of doses, when not reported.")
@click.option("--interval", default=None, help='Interval, when not reported: "4 weeks".')
@figure_options(cumulative=False)
@click.option(
    "-o",
    "--output",
    required=True,
    shell_complete=complete_path,
    help="The figure file; .png, .svg or .pdf picks the format.",
)
def command(
    protocol: str | None,
    regimen: str | None,
    arms: tuple[str, ...],
    species: str | None,
    weight: str | None,
    height: str | None,
    start: dt.date | None,
    dose_text: str | None,
    count: int | None,
    interval: str | None,
    x_unit: str | None,
    time_axis: str,
    size: str,
    dpi: int,
    cumulative: bool,
    notes: bool | None,
    caption: str | None,
    labels: tuple[str, ...],
    font: str | None,
    output: str,
) -> None:
    """Draw the timeline of PROTOCOL (a library id, a YAML file, or - for standard input), or
    of --regimen.

    \b
    Examples:
      celldose plot chen2024-itp-ucmsc -o chen.svg
      celldose plot qi2017-sjogren-thrombocytopenia --weight 60kg --start 2025-01-31 -o qi.pdf
      celldose plot jang2025-canine-itp --size single --x weeks -o jang.png --dpi 600
      celldose plot aa-ucmsc-18 --count 24 --cumulative -o aa.svg
      celldose plot chen2024-itp-ucmsc --size single --caption chen.txt -o chen.pdf

    One lane per arm: a marker per dose (area proportional to the dose; hollow when the
    source does not report it), the reported response windows with responders k/n and a
    Wilson 95% interval, and the follow-up. Values given with --dose, --count or --interval
    are labelled as given. The same command always writes the same bytes. The notes
    (conventions, values given, what is not reported) are the figure's caption: printed on
    standard output, or written to --caption FILE; --notes draws them under the figure.
    """
    from celldose.simulator.figures import check_output, save_figure, timeline_figure

    check_output(output)
    inputs = input_files(protocol)
    check_outputs({"-o": output, "--caption": caption}, inputs)
    label_map(labels)  # a malformed --label is refused before any work
    if species is not None and regimen is None:
        raise OptionError(
            "--species goes with --regimen; a protocol has its own species", "drop --species"
        )
    target = load_target(protocol, regimen, species)

    def keyed(value: Any) -> Any:
        return None if value is None else {target.id: value}

    fig, timeline = timeline_figure(
        target,
        x=x_unit,
        time_axis=time_axis,
        size=size,
        cumulative=cumulative,
        notes=bool(notes),
        font=font,
        labels=label_map(labels),
        arms=list(arms) or None,
        weight=weight,
        height=height,
        dose=keyed(dose_text),
        count=keyed(count),
        interval=keyed(interval),
        start=start,
    )
    save_figure(fig, output, dpi=dpi, inputs=inputs)
    write_caption(timeline.caption, caption, inputs)
    if caption_wanted(notes, caption) and timeline.caption:
        click.echo(timeline.caption)
    echo_warnings(timeline.warnings)
