"""The results' plain forms for notebooks: a pandas DataFrame and an escaped HTML table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from celldose.protocols import CelldoseError

if TYPE_CHECKING:
    import pandas


def data_frame(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> pandas.DataFrame:
    """``rows`` as a DataFrame with ``columns`` (pandas is imported here, on first use).

    Date columns (``date``, ``moved_from``, ``*_date``) hold ISO dates or None; they become
    ``datetime64`` columns (None: ``NaT``).
    """
    try:
        import pandas
    except ImportError:
        raise CelldoseError(
            "to_pandas needs pandas, which is not installed", "pip install 'celldose[pandas]'"
        ) from None
    frame = pandas.DataFrame.from_records(list(rows), columns=list(columns))
    for name in frame.columns:
        if name in _DATE_COLUMNS or str(name).endswith("_date"):
            # ISO dates (or None) as datetime64, so that a notebook can compute with them
            frame[name] = pandas.to_datetime(frame[name], format="%Y-%m-%d").astype(
                "datetime64[ns]"
            )
    return frame


_DATE_COLUMNS = frozenset({"date", "moved_from"})


def html_table(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[str]], notes: Sequence[str] = ()
) -> str:
    """A title, a table and notes as HTML; every text is escaped."""
    import html  # notebooks only: not loaded by the command line

    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    listed = "".join(f"<li>{e(n)}</li>" for n in notes)
    return (
        f"<div><strong>{e(title)}</strong>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<ul>{listed}</ul>" if listed else "")
        + "</div>"
    )


__all__ = ["data_frame", "html_table"]
