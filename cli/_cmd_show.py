"""`celldose show ID|FILE`: a protocol, normalized: every arm, phase and dose day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from celldose.cli._complete import complete_protocol
from celldose.cli._describe import (
    describe_decision,
    describe_phase,
    dose_row,
    expansions,
    schedule_summary,
    weekday_note,
)
from celldose.cli._dose_table import fact_lines
from celldose.cli._inputs import read_protocol
from celldose.cli._render import DATE, format_option, reported, to_json
from celldose.protocols import (
    NOT_REPORTED,
    CelldoseError,
    Duration,
    Product,
    Protocol,
    ResponseWindow,
    cells_per_container,
    format_sig,
    plural,
    whole_containers,
)


@click.command(name="show")
@click.argument("protocol", shell_complete=complete_protocol)
@click.option("--start", type=DATE, default=None, help="Date of the first dose (YYYY-MM-DD).")
@format_option("text", "json")
def command(protocol: str, start: dt.date | None, fmt: str) -> None:
    """Show PROTOCOL (a library id, a YAML file, or - for standard input), normalized.

    \b
    Examples:
      celldose show chen2024-itp-ucmsc
      celldose show qi2017-sjogren-thrombocytopenia --start 2025-01-31
      celldose show examples/clinic-dog-protocol.yaml --format json
    """
    loaded = read_protocol(protocol)
    if fmt == "json":
        from celldose.cli._envelope import envelope, provenance

        where = provenance(loaded, protocol, None)
        click.echo(to_json(envelope("protocol", provenance=where, **_as_json(loaded, start))))
        return
    p = loaded
    product = p.product
    click.echo(f"{p.id}: {p.title}")
    click.echo(f"species: {p.species}")
    click.echo(f"indication: {p.indication}")
    facts = (product.name, product.tissue_source, product.donor, product.origin_species)
    if all(fact == NOT_REPORTED for fact in facts):
        click.echo("product: not reported")
    else:
        click.echo(
            f"product: {product.name} (tissue: {reported(product.tissue_source)}; "
            f"donor: {reported(product.donor)}; from {product.origin_species})"
        )
    quantities = _quantities(product)
    if quantities:
        click.echo("  " + "; ".join(quantities))
    click.echo(f"route: {reported(p.route)}")
    for line in fact_lines(p.administration):
        click.echo(line)
    if p.dose_by is not None and p.containers is not None:
        click.echo(f"dose: the whole content of {plural(p.containers, product.container)}")
    elif p.dose is not None:
        click.echo(f"dose: {reported(p.dose)}")
    if p.limits:
        click.echo("limits: " + "; ".join(x.description for x in p.limits))
    for arm in p.arms:
        click.echo("")
        n = f", n={reported(arm.n)}"
        click.echo(f"arm {arm.name} ({arm.role}{n}): {arm.label or arm.regimen.to_shorthand()}")
        click.echo(f"  regimen: {arm.regimen.to_shorthand()}")
        if arm.administration is not None and arm.administration.facts():
            click.echo("  administration (this arm):")
            for line in fact_lines(p.arm_administration(arm), "    "):
                click.echo(line)
        if arm.gives_no_cells:
            click.echo(f"  dose: {arm.role} (no cells)")
        elif (whole := whole_containers(p, arm)) is not None:
            per = cells_per_container(p.product)
            cells = f" ({format_sig(whole.count * per)} cells)" if per is not None else ""
            click.echo(f"  dose: {whole.text}{cells}")
        else:
            doses = {reported(p.phase_dose(arm, i)) for i in range(1, len(arm.regimen.phases) + 1)}
            click.echo(f"  dose: {', '.join(sorted(doses))}")
        if arm.limits:
            click.echo("  limits: " + "; ".join(x.description for x in arm.limits))
        for i, phase in enumerate(arm.regimen.phases, start=1):
            click.echo(f"  {describe_phase(phase, i)}")
        first = arm.regimen.first_dose_date(start) if start is not None else None
        click.echo(f"  {schedule_summary(arm.regimen, first)}")
        note = weekday_note(arm.regimen, start)
        if note is not None:
            click.echo(f"  note: {note}")
        for line in describe_decision(arm.regimen, first):
            click.echo(f"  {line}")
    if p.response_windows:
        click.echo("")
        click.echo("reported response windows:")
        for window in p.response_windows:
            click.echo(f"  {describe_window(window)}")
    click.echo("")
    click.echo(f"follow-up: {reported(p.follow_up)}")
    if p.course_length is not None:
        click.echo(f"stated course length: {p.course_length}")
    click.echo(f"reference: {p.reference.citation}")
    ids = [
        ("DOI not reported" if p.reference.doi == NOT_REPORTED else f"doi:{p.reference.doi}")
        if p.reference.doi
        else "",
        f"PubMed {p.reference.pubmed}" if p.reference.pubmed else "",
        *p.reference.registry,
    ]
    if any(ids):
        click.echo("  " + "; ".join(i for i in ids if i))
    if p.notes:
        click.echo(f"notes: {p.notes}")


def describe_window(window: ResponseWindow) -> str:
    arm = f" [{window.arm}]" if window.arm else ""

    start = window.start if isinstance(window.start, Duration) else None
    end = window.end if isinstance(window.end, Duration) else None
    if start is None and end is None:
        timing = f"timing not reported (relative to {_anchor(window.anchor)})"
    elif end is None:
        timing = f"from {start} after {_anchor(window.anchor)} (end not reported)"
    elif start is None:
        timing = f"until {end} after {_anchor(window.anchor)} (start not reported)"
    elif start == end:  # an assessment at one time point (Alofisel's week 24)
        timing = f"at {start} after {_anchor(window.anchor)}"
    else:
        timing = f"from {start} to {end} after {_anchor(window.anchor)}"
    responders = ""
    if window.responders is not None:
        r = window.responders
        responders = (
            "; responders not reported" if isinstance(r, str) else f"; responders {r.k}/{r.n}"
        )
    return f"{window.label}{arm}: {timing}{responders}"


def _anchor(anchor: str) -> str:
    return anchor if anchor.startswith("dose ") else f"the {anchor}"


def _as_json(p: Protocol, start: dt.date | None) -> dict[str, Any]:
    data: dict[str, Any] = p.model_dump(mode="json")
    for arm, arm_data in zip(p.arms, data["arms"], strict=True):
        arm_data["regimen_shorthand"] = arm.regimen.to_shorthand()
        first = arm.regimen.first_dose_date(start) if start is not None else None
        note = weekday_note(arm.regimen, start)
        if note is not None:
            arm_data["weekdays_note"] = note
        try:
            schedules = expansions(arm.regimen, start=first)
        except CelldoseError as exc:
            arm_data["doses"] = None
            arm_data["doses_unknown"] = exc.message
            continue
        rows = {w: [dose_row(d, first) for d in doses] for w, doses in schedules.items()}
        if arm.regimen.decision is not None:
            try:
                arm_data["branch_doses"] = {
                    b.name: [
                        dose_row(d, first) for d in arm.regimen.expand_branch(b.name, start=first)
                    ]
                    for b in arm.regimen.decision.branches
                }
            except CelldoseError as exc:
                arm_data["branch_doses"] = None
                arm_data["branch_doses_unknown"] = exc.message
        if len(rows) == 1:
            arm_data["doses"] = rows["min"]
        else:
            arm_data["doses"] = None
            arm_data["schedules"] = rows
    return data


def _quantities(product: Product) -> list[str]:
    """The product's quantities as the file gives them: ``6.68×10⁶ cells/mL; 3.8 mL per vial``."""
    out = []
    if product.concentration is not None:
        out.append(f"{format_sig(product.concentration)} cells/mL")
    if product.cells_per_vial is not None:
        out.append(f"{format_sig(product.cells_per_vial)} cells per {product.container}")
    if product.vial_volume is not None:
        out.append(f"{format_sig(product.vial_volume)} mL per {product.container}")
    if product.viability is not None:
        out.append(f"viability {format_sig(100 * product.viability)}%")
    if product.dose_counts is not None:
        out.append(f"the dose counts {product.dose_counts}")
    return out
