"""`celldose compare`: protocols side by side, aligned at their first dose: a table and a figure.

The table (table, csv or json, like `celldose dose`) goes to the screen; ``-o FIGURE`` also
draws the timelines. Options that fill unreported values take one value for every protocol
that needs it, or ``PROTOCOL=VALUE`` for one protocol.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import click

from celldose.cli._cmd_plot import (
    caption_wanted,
    echo_warnings,
    figure_options,
    label_map,
    write_caption,
)
from celldose.cli._complete import complete_arm, complete_path, complete_protocol
from celldose.cli._flags import in_flags, warning_lines
from celldose.cli._inputs import STDIN, read_protocol, refuse_stdin_twice
from celldose.cli._render import (
    DATE,
    check_outputs,
    csv_text,
    format_option,
    input_files,
    table,
    to_json,
)
from celldose.protocols import OptionError
from celldose.simulator.scenarios import (
    ANY,
    COMPARISON_COLUMNS,
    Comparison,
    ComparisonRow,
    Lane,
    compare,
    comparison_notes,
    format_cells,
    responders_text,
)


def split_assignment(text: str) -> tuple[str, str]:
    """``"jang2025-canine-itp=12kg"`` -> (id, value); ``"12kg"`` -> ("*", value)."""
    key, sep, value = text.partition("=")
    if sep and key.strip() and " " not in key.strip():
        return key.strip(), value.strip()
    return ANY, text.strip()


def _assignments(option: str, values: Sequence[str]) -> dict[str, str] | None:
    """``--dose 1e6/kg --dose jang2025-canine-itp=2e6/kg`` -> {"*": ..., "jang2025-...": ...}."""
    if not values:
        return None
    out: dict[str, str] = {}
    for text in values:
        key, value = split_assignment(text)
        if not value:
            raise OptionError(f"--{option} {text!r} has no value", f"write --{option} ID=VALUE")
        if key in out:
            who = "every protocol" if key == ANY else key
            raise OptionError(f"--{option} is given twice for {who}", "give it once")
        out[key] = value
    return out


@click.command(name="compare")
@click.argument("protocols", nargs=-1, required=True, shell_complete=complete_protocol)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    shell_complete=complete_arm,
    help="Arm to include (ARM, or PROTOCOL:ARM); repeat for several. A protocol with no "
    "arm chosen shows every treatment arm.",
)
@click.option(
    "--weight",
    multiple=True,
    help="Body weight for every patient (70kg), or PROTOCOL=WEIGHT; repeatable.",
)
@click.option(
    "--dose",
    multiple=True,
    help='Dose for every protocol that does not report it ("1×10⁶ cells/kg"), or '
    "PROTOCOL=DOSE; repeatable. Without it an unreported dose is drawn hollow.",
)
@click.option(
    "--count", multiple=True, help="Number of doses where not reported (N, or PROTOCOL=N)."
)
@click.option(
    "--interval",
    multiple=True,
    help='Interval where not reported ("4 weeks", or PROTOCOL="4 weeks").',
)
@click.option("--start", type=DATE, default=None, help="Date of every first dose, YYYY-MM-DD.")
@figure_options(cumulative=True)
@format_option("table", "json", "csv", help="Format of the comparison table.")
@click.option(
    "-o",
    "--output",
    default=None,
    shell_complete=complete_path,
    help="Also draw the figure to this file (.png, .svg or .pdf).",
)
def command(
    protocols: tuple[str, ...],
    arms: tuple[str, ...],
    weight: tuple[str, ...],
    dose: tuple[str, ...],
    count: tuple[str, ...],
    interval: tuple[str, ...],
    start: dt.date | None,
    x_unit: str | None,
    time_axis: str,
    size: str,
    dpi: int,
    cumulative: bool,
    notes: bool | None,
    caption: str | None,
    labels: tuple[str, ...],
    font: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Compare PROTOCOLS (library ids or YAML files; - reads one from standard input), aligned
    at their first dose.

    \b
    Examples:
      celldose compare chen2024-itp-ucmsc qi2017-sjogren-thrombocytopenia
      celldose compare chen2024-itp-ucmsc qi2017-sjogren-thrombocytopenia \\
          jang2025-canine-itp --dose "1×10⁶ cells/kg" -o compare.pdf
      celldose compare chen2024-itp-ucmsc --arm escalation-0.5 --arm expansion-2.0 \\
          --weight 70kg --format csv
      celldose compare qi2017-sjogren-thrombocytopenia jang2025-canine-itp \\
          --weight 60kg --weight jang2025-canine-itp=12kg
      celldose compare chen2024-itp-ucmsc qi2017-sjogren-thrombocytopenia \\
          --size single -o compare.pdf --caption compare-caption.txt

    The table has, per arm: the doses, the dose per kg and in total (and for the patient with
    --weight), the course length, the first reported response window and its responders with
    a Wilson 95% interval. A frequency range has two rows (min and max schedule). With -o,
    the figure's caption text (its notes) follows the table (a "caption" key in JSON, standard
    error with CSV), or goes to --caption FILE; --notes draws it under the figure instead.
    """
    refuse_stdin_twice(protocols)
    inputs = input_files(*protocols)
    if output is None and caption is not None:
        raise OptionError("--caption is the caption of the figure", "add -o FIGURE")
    if output is None and labels:
        raise OptionError("--label labels the lanes of the figure", "add -o FIGURE")
    label_map(labels)  # a malformed --label is refused before any work
    if output is not None:
        from celldose.simulator.figures import check_output

        if Path(output).suffix.lower() in (".csv", ".json", ".txt"):  # a table's file name
            raise OptionError(
                f"-o {output} is where compare draws its figure (.png, .svg or .pdf); the table "
                "goes to standard output",
                f"write the table with: celldose compare ... --format {fmt} > {output}",
            )
        check_output(output)
        check_outputs({"-o": output, "--caption": caption}, inputs)
    counts = _assignments("count", count)
    given = [read_protocol(p) if p == STDIN else p for p in protocols]
    comparison = compare(
        given,
        arms=list(arms) or None,
        weight=_assignments("weight", weight),
        dose=_assignments("dose", dose),
        count=None if counts is None else {k: _whole(v) for k, v in counts.items()},
        interval=_assignments("interval", interval),
        start=start,
    )
    lanes = comparison.lanes
    caption_text = ""
    if output is not None:
        from celldose.simulator.figures import save_figure, timeline_figure

        fig, timeline = timeline_figure(
            lanes,
            x=x_unit,
            time_axis=time_axis,
            size=size,
            cumulative=cumulative,
            notes=bool(notes),
            font=font,
            labels=label_map(labels),
        )
        save_figure(fig, output, dpi=dpi, inputs=inputs)
        write_caption(timeline.caption, caption, inputs)
        if caption_wanted(notes, caption):
            caption_text = timeline.caption
        lane_warnings = {w for lane in lanes for w in lane.warnings}
        figure_warnings = tuple(w for w in timeline.warnings if w not in lane_warnings)
        comparison = replace(
            comparison, warnings=figure_warnings + comparison.warnings, figure=output
        )
    rows = comparison.rows
    warnings = list(comparison.warnings)
    if fmt == "json":
        from celldose.cli._envelope import envelope, provenance_of_many

        loaded = [g if not isinstance(g, str) else read_protocol(g) for g in given]
        where = provenance_of_many(zip(loaded, protocols, strict=True))
        data = envelope("comparison", provenance=where, **in_flags(comparison.to_dict()))
        if caption_text:
            data["caption"] = caption_text
        click.echo(to_json(data))
    elif fmt == "csv":
        click.echo(comparison_csv(comparison), nl=False)
        echo_warnings(warnings)
        if caption_text:  # standard output is the CSV alone
            click.echo(f"caption: {caption_text}", err=True)
    else:
        click.echo(render_table(lanes, rows, warnings, start))
        if caption_text:
            click.echo(f"\ncaption of {output}:\n{caption_text}")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise OptionError(f"--count {text!r} is not a whole number", "e.g. --count 8") from None


def _dose_cell(row: ComparisonRow) -> str:
    text = " then ".join(row.dose_texts)
    if row.lane.dose_replaced or "dose" in row.lane.given:
        text += " (given)"
    return text


def _arm_cell(row: ComparisonRow) -> str:
    return row.lane.arm if row.schedule.which is None else f"{row.lane.arm} ({row.schedule.which})"


def _one(value: float | None) -> tuple[float, ...] | None:
    return None if value is None else (value,)


def render_table(
    lanes: Sequence[Lane],
    rows: Sequence[ComparisonRow],
    warnings: Sequence[str],
    start: dt.date | None,
) -> str:
    """The comparison as an aligned text table, with its notes and warnings."""
    patients = any(lane.patient is not None for lane in lanes)
    headers = ["protocol", "arm", "route", "n", "doses", "dose", "total per kg"]
    if patients:
        headers += ["weight", "per dose", "total"]
    headers += ["last dose", "follow-up", "first response window", "responders"]
    body: list[list[str]] = []
    for row in rows:
        lane = row.lane
        window = lane.first_window()
        doses = str(row.doses) + (" (given)" if "number of doses" in lane.given else "")
        cells = [
            lane.protocol_id,
            _arm_cell(row),
            lane.route,
            "—" if lane.n is None else str(lane.n),
            doses,
            _dose_cell(row),
            format_cells(
                None
                if row.schedule.total_cells_per_kg is None
                else (row.schedule.total_cells_per_kg,),
                "cells/kg",
                _one(row.total_cells_per_kg_low),
            ),
        ]
        if patients:
            patient = lane.patient
            capped = " (capped)" if any(d.capped for d in row.schedule.doses) else ""
            cells += [
                "—" if patient is None else patient.weight.text,
                format_cells(row.cells_per_dose, "cells", row.cells_per_dose_low) + capped
                if patient is not None
                else "—",
                format_cells(
                    None if row.schedule.total_cells is None else (row.schedule.total_cells,),
                    "cells",
                    _one(row.total_cells_low),
                )
                if patient is not None
                else "—",
            ]
        cells += [
            row.last_dose,
            lane.follow_up_text().removeprefix("follow-up ") or "—",
            "—" if window is None else f"{window.label}: {window.span_text()}",
            "—" if window is None else responders_text(window.window.responders),
        ]
        body.append(cells)
    out = ["aligned at the first dose of each protocol (day 0)"]
    if start is not None:
        out[0] += f"; first dose on {start.isoformat()}"
    out += ["", table(headers, body, right=(3, 4))]
    notes = list(comparison_notes(lanes, aligned=False, route=False))  # a column; line 1 aligns
    if any(r.course_days is None for r in rows):
        notes.append("a course in calendar months has no fixed length in days: give --start")
    if notes or warnings:
        out.append("")
    out.extend(f"note: {n}" for n in notes)
    out.extend(warning_lines(warnings))  # in flag words: --dose, not dose=
    return "\n".join(out)


def comparison_csv(comparison: Comparison) -> str:
    """The CSV of `celldose compare --format csv`: one row per arm (and schedule)."""
    return csv_text(
        COMPARISON_COLUMNS,
        (in_flags(r) for r in comparison.records()),
        verbatim=("last_dose",),
    )


__all__ = ["command", "comparison_csv", "render_table"]
