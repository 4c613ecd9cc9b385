"""celldose.protocols: the protocol language and the bundled library of published protocols.

Read a dose (:func:`parse_dose`), a one-line regimen (:func:`parse_regimen`), or a protocol file
(:func:`load_protocol`); every model is a frozen pydantic object that validates itself, and every
error is a :class:`CelldoseError` whose message says how to fix the input.
"""

from typing import TYPE_CHECKING, Any

from celldose.protocols._administration import Administration
from celldose.protocols._bands import (
    EDGE_TOLERANCE,
    DoseBands,
    WeightBand,
    WeightRange,
    parse_weight_range,
)
from celldose.protocols._calendar import (
    MAX_DAYS,
    DoseTime,
    Duration,
    add_months,
    parse_duration,
)
from celldose.protocols._containers import WholeContainers, cells_per_container, whole_containers
from celldose.protocols._decision import Assessment, Branch, BranchStart, Decision, Share
from celldose.protocols._display import format_exact, format_sig, plural, superscript
from celldose.protocols._dose import Dose, max_cells_per_kg, parse_amount, parse_dose
from celldose.protocols._dose_number import read_fraction, read_number
from celldose.protocols._errors import (
    AmbiguousWordError,
    CelldoseError,
    InputTooLargeError,
    NotReportedError,
    OptionError,
    OutputPathError,
    PatientError,
    Problem,
    ProtocolFileError,
    ProtocolNotFoundError,
    RegimenError,
    RegimenSyntaxError,
    SystemFailure,
    UnitError,
    WeightBandError,
    close_matches,
)
from celldose.protocols._limits import Limit, LimitAction, LimitKind, merge_limits
from celldose.protocols._load import (
    LIBRARY_FOLDER,
    LIBRARY_PACKAGE,
    REGIMEN_ID,
    library_ids,
    library_protocols,
    load_protocol,
    parse_protocol,
    protocol_from_regimen,
)
from celldose.protocols._model_base import refuse_control_characters
from celldose.protocols._phase import (
    MAX_DOSES,
    NOT_REPORTED,
    FrequencyRange,
    IntervalRange,
    Phase,
    Which,
)
from celldose.protocols._product import Product, vial_contradiction
from celldose.protocols._protocol import (
    Arm,
    Protocol,
    Reference,
    Responders,
    ResponseWindow,
)
from celldose.protocols._regimen import PlannedDose, PlannedPhase, Regimen
from celldose.protocols._route import (
    ROUTE_NAMES,
    RouteInfo,
    read_route,
    route_event,
    route_info,
    route_names,
    route_table,
)
from celldose.protocols._units import quantity
from celldose.protocols._weight import Weight, kg_text, parse_weight, read_measure

if TYPE_CHECKING:
    from celldose.protocols._files import (
        check_writable,
        read_capped,
        read_regular,
        same_file,
        write_atomic,
    )
    from celldose.protocols._schema import protocol_json_schema
    from celldose.protocols._shorthand import parse_regimen


# Loaded on first use: the shorthand parser compiles its grammar on import, the schema builds
# every model's schema, and the file helpers import tempfile; `celldose dose` needs none of them
# on a cache hit.
_LAZY = {
    "parse_regimen": "celldose.protocols._shorthand",
    "protocol_json_schema": "celldose.protocols._schema",
    "check_writable": "celldose.protocols._files",
    "read_capped": "celldose.protocols._files",
    "read_regular": "celldose.protocols._files",
    "same_file": "celldose.protocols._files",
    "write_atomic": "celldose.protocols._files",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'celldose.protocols' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "EDGE_TOLERANCE",
    "NOT_REPORTED",
    "MAX_DAYS",
    "MAX_DOSES",
    "LIBRARY_FOLDER",
    "LIBRARY_PACKAGE",
    "REGIMEN_ID",
    "ROUTE_NAMES",
    "Administration",
    "AmbiguousWordError",
    "Arm",
    "Assessment",
    "Branch",
    "BranchStart",
    "CelldoseError",
    "Decision",
    "Limit",
    "LimitAction",
    "LimitKind",
    "Dose",
    "DoseBands",
    "DoseTime",
    "Duration",
    "FrequencyRange",
    "IntervalRange",
    "InputTooLargeError",
    "NotReportedError",
    "OptionError",
    "OutputPathError",
    "PatientError",
    "Phase",
    "PlannedDose",
    "PlannedPhase",
    "Problem",
    "Product",
    "Protocol",
    "ProtocolFileError",
    "ProtocolNotFoundError",
    "Reference",
    "RegimenError",
    "RegimenSyntaxError",
    "Regimen",
    "Responders",
    "ResponseWindow",
    "RouteInfo",
    "Share",
    "SystemFailure",
    "UnitError",
    "WeightBand",
    "WeightBandError",
    "WeightRange",
    "Weight",
    "Which",
    "WholeContainers",
    "add_months",
    "cells_per_container",
    "close_matches",
    "check_writable",
    "format_exact",
    "format_sig",
    "kg_text",
    "library_ids",
    "library_protocols",
    "load_protocol",
    "merge_limits",
    "parse_amount",
    "parse_dose",
    "max_cells_per_kg",
    "parse_duration",
    "parse_protocol",
    "parse_regimen",
    "parse_weight_range",
    "parse_weight",
    "plural",
    "protocol_from_regimen",
    "protocol_json_schema",
    "quantity",
    "read_capped",
    "read_measure",
    "read_fraction",
    "read_number",
    "read_regular",
    "read_route",
    "refuse_control_characters",
    "route_event",
    "route_info",
    "route_names",
    "route_table",
    "same_file",
    "superscript",
    "whole_containers",
    "vial_contradiction",
    "write_atomic",
]
