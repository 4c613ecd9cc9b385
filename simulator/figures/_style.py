"""Figure conventions for papers, shared by every figure celldose draws.

- Okabe–Ito's colour-blind-safe hues, darkened where needed to 3:1 contrast on white, and
  marker shapes that differ too (greyscale-safe).
- Journal sizes: single column 85 mm, 1.5 column 114 mm, double column 174 mm, or WxH.
- Deterministic files: no creation dates, fixed SVG ids, TrueType fonts in PDF (fonttype 42),
  text kept as text in SVG (svg.fonttype none). The same figure gives the same bytes.

matplotlib is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from celldose.protocols import OptionError

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow (last: weak on white)
    "#000000",  # black
)
# The lanes' hue families: Okabe–Ito's hues, those too light on white darkened, so that every
# line, marker and label colour has a contrast of at least 3:1 against white (WCAG relative
# luminance; tested). A protocol's arms take darker shades of its hue (_lane_style.shade).
PALETTE = (
    "#0072B2",  # blue (5.2:1)
    "#D55E00",  # vermillion (3.9:1)
    "#009E73",  # bluish green (3.4:1)
    "#AA4499",  # reddish purple, darkened (5.0:1)
    "#A66A00",  # orange, darkened (4.5:1)
    "#555555",  # grey (7.5:1)
    "#2A7F99",  # sky blue, darkened (4.6:1)
    "#7A6F00",  # yellow, darkened to olive (5.1:1)
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
SIZES_MM = {"single": 85.0, "1.5": 114.0, "onehalf": 114.0, "double": 174.0}
FORMATS = {".png", ".svg", ".pdf"}
_SIZE_RE = re.compile(r"^\s*([0-9.]+)\s*[x×]\s*([0-9.]+)\s*(mm|in|cm)?\s*$", re.IGNORECASE)


def figure_size(
    size: str | None, *, height_ratio: float = 0.6, rows: int = 1
) -> tuple[float, float]:
    """Width and height in inches from a preset (single, 1.5, double) or ``WxH[mm|in|cm]``.

    Presets fix the width; the height grows with ``rows`` (lanes or panels).
    """
    if size is None:
        size = "double"
    key = size.strip().lower()
    if key in SIZES_MM:
        width_in = SIZES_MM[key] / 25.4
        return width_in, max(width_in * height_ratio, 0.9 + 0.55 * rows)
    match = _SIZE_RE.match(size)
    if match is None:
        raise OptionError(
            f"size {size!r} is not understood",
            "use single (85 mm), 1.5 (114 mm), double (174 mm) or WxH like 174x100mm or 7x4in",
            fields=("size",),
        )
    width, height = float(match.group(1)), float(match.group(2))
    unit = (match.group(3) or "mm").lower()
    factor = {"mm": 1 / 25.4, "cm": 1 / 2.54, "in": 1.0}[unit]
    w, h = width * factor, height * factor
    if not (0.5 <= w <= 30 and 0.5 <= h <= 30):
        raise OptionError(
            f"size {size!r} is not a plausible figure size", "e.g. 174x100mm", fields=("size",)
        )
    return w, h


def check_output(path: str) -> Path:
    """The figure path; its extension picks the format (.png, .svg, .pdf)."""
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise OptionError(
            f"cannot tell the figure format of {path!r}",
            "end the file name with .png, .svg or .pdf",
        )
    if not target.parent.is_dir():  # refused before drawing; write_atomic checks it again
        raise OptionError(
            f"cannot write {path}: the folder {str(target.parent)!r} does not exist",
            "create it first or choose another path",
        )
    return target


DEFAULT_FONT = "DejaVu Sans"


def installed_fonts() -> tuple[str, ...]:
    """The font families matplotlib can draw with on this machine, sorted (not the "Last
    Resort" font, whose every glyph is a placeholder box)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(sorted(n for n in names if not n.startswith("Last Resort")))


# Characters celldose draws (powers of ten, ×, ranges, ±, ≤, ∝, m²): a font without one of
# them would show an empty box in a dose.
GLYPHS = "×⁰¹²³⁴⁵⁶⁷⁸⁹⁻–±≤∝"
_SAMPLE = "Response: 3/6 (50%; 95% CI 19–81%) escalation-2.0 (n=6): 2×10⁶ cells/kg weekly ×4"
_DEJAVU_SAMPLE_EM = 0.531  # DejaVu Sans' mean glyph width on _SAMPLE, for which CHAR_EM is 0.56


def _font_file(family: str) -> str:
    """The file of ``family``'s regular face (else its first face) in matplotlib's list."""
    from matplotlib import font_manager

    faces = sorted(
        (f for f in font_manager.fontManager.ttflist if f.name == family),
        key=lambda f: (f.style != "normal", f.weight not in (400, "normal"), f.fname),
    )
    return str(faces[0].fname)


def missing_glyphs(family: str) -> str:
    """The characters of :data:`GLYPHS` that ``family`` cannot draw."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(_font_file(family)).get_charmap()
    return "".join(c for c in GLYPHS if ord(c) not in charmap)


def check_font(font: str | None) -> str:
    """The font family to draw with: ``font`` if it is installed and has every character
    celldose draws (``×``, superscripts, ``–``...), else an error with the families that do
    (matplotlib would silently fall back to another font, or draw an empty box)."""
    if font is None:
        return DEFAULT_FONT
    families = installed_fonts()
    by_lower = {name.lower(): name for name in families}
    found = by_lower.get(font.strip().lower())
    usable = [name for name in families if not missing_glyphs(name)] if found is None else []
    if found is None:
        raise OptionError(
            f"font {font!r} is not installed",
            "use one of: " + ", ".join(usable) + " (install another family for matplotlib "
            "to find it: fc-list lists the system's)",
            fields=("font",),
        )
    missing = missing_glyphs(found)
    if missing:
        usable = [name for name in families if not missing_glyphs(name)]
        raise OptionError(
            f"font {found!r} cannot draw {' '.join(missing)} (doses would show empty boxes)",
            "use one of: " + ", ".join(usable),
            fields=("font",),
        )
    return found


def font_em(family: str) -> float:
    """The mean glyph width of ``family`` in em, on the scale of DejaVu Sans' 0.56 (what the
    layout wraps and fits text with)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(
        _SAMPLE, FontProperties(family=family, size=10), ismath=False
    )
    return float(width / 10 / len(_SAMPLE) * 0.56 / _DEJAVU_SAMPLE_EM)


def paper_rc(font: str = DEFAULT_FONT) -> Any:
    """rcParams for deterministic, paper-ready output: one font family, nothing under 7 pt."""
    from cycler import cycler

    return {
        "svg.fonttype": "none",
        "svg.hashsalt": "celldose",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "font.family": [font],  # named on each text, so the saved file names it too
        "mathtext.fontset": "dejavusans",
        "font.size": 7,
        "axes.titlesize": 8,
        "axes.labelsize": 7.5,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "legend.fontsize": 7,
        "legend.title_fontsize": 7,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(PALETTE)),
        "path.simplify": False,
        "figure.dpi": 100,
    }


def save_figure(
    fig: Any, path: str | Path, *, dpi: int = 300, inputs: Iterable[str | Path] = ()
) -> Path:
    """Save ``fig`` by extension with no dates or random ids, atomically (no partial file).

    ``inputs`` are the files the figure was drawn from: writing onto one of them is refused.
    """
    target = check_output(str(path))
    suffix = target.suffix.lower()
    metadata: dict[str, Any]
    if suffix == ".svg":
        metadata = {"Date": None, "Creator": "celldose"}
    elif suffix == ".pdf":
        metadata = {
            "CreationDate": None,
            "ModDate": None,
            "Creator": "celldose",
            "Producer": "celldose",
        }
    else:
        metadata = {"Software": "celldose"}
    import io

    import matplotlib as mpl

    from celldose.protocols import write_atomic

    buffer = io.BytesIO()
    with mpl.rc_context(paper_rc()):
        fig.savefig(
            buffer,
            format=suffix.lstrip("."),
            dpi=dpi,
            metadata=metadata,
            bbox_inches="tight",
            pad_inches=0.02,
        )
    return write_atomic(path, buffer.getvalue(), inputs=inputs)
