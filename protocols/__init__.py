"""celldose.protocols: the protocol language and the bundled library of published protocols.

Read a dose (:func:`parse_dose`), a one-line regimen (:func:`parse_regimen`), or a protocol file
(:func:`load_protocol`); every model is a frozen pydantic object that validates itself, and every
error is a :class:`CelldoseError` whose message says how to fix the input.
"""

from typing import Any

from celldose.protocols._calendar import DoseTime, Duration, add_months, parse_duration
from celldose.protocols._display import format_exact, format_sig
from celldose.protocols._dose import Dose, parse_amount, parse_dose
from celldose.protocols._errors import (
    AmbiguousWordError,
    CelldoseError,
    NotReportedError,
    OptionError,
    PatientError,
    Problem,
    ProtocolFileError,
    ProtocolNotFoundError,
    RegimenError,
    RegimenSyntaxError,
    UnitError,
)
from celldose.protocols._load import (
    library_ids,
    library_protocols,
    load_protocol,
    parse_protocol,
    protocol_from_regimen,
)
from celldose.protocols._protocol import (
    Arm,
    Product,
    Protocol,
    Reference,
    Responders,
    ResponseWindow,
)
from celldose.protocols._regimen import (
    NOT_REPORTED,
    FrequencyRange,
    Phase,
    PlannedDose,
    Regimen,
)


def __getattr__(name: str) -> Any:
    # The shorthand parser compiles its grammar on import: loaded only when first needed.
    if name == "parse_regimen":
        from celldose.protocols._shorthand import parse_regimen

        return parse_regimen
    raise AttributeError(f"module 'celldose.protocols' has no attribute {name!r}")


__all__ = [
    "NOT_REPORTED",
    "AmbiguousWordError",
    "Arm",
    "CelldoseError",
    "Dose",
    "DoseTime",
    "Duration",
    "FrequencyRange",
    "NotReportedError",
    "OptionError",
    "PatientError",
    "Phase",
    "PlannedDose",
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
    "UnitError",
    "add_months",
    "format_exact",
    "format_sig",
    "library_ids",
    "library_protocols",
    "load_protocol",
    "parse_amount",
    "parse_dose",
    "parse_duration",
    "parse_protocol",
    "protocol_from_regimen",
    "parse_regimen",
]
