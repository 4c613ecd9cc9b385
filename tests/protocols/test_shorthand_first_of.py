"""The shorthand's combined patterns (``first_of``) name, at every position, the first of their
patterns that matches there: the parser may then skip the loop over those that do not."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from celldose.protocols._shorthand_words import (
    AMBIGUOUS,
    ANY_AMBIGUOUS,
    ANY_RULE,
    ANY_UNSUPPORTED,
    RULES,
    UNSUPPORTED,
    first_index,
    first_of,
)

# One or more texts for every rule, ambiguous word and unsupported form of the grammar (see
# _shorthand_words.py), with their look-alikes, each checked at every position.
TEXTS = [
    "2×10⁶ cells/kg monthly ×4",
    "2x10^6 cells/kg twice weekly x8 then weekly x4",
    "1-2×/week for 4 weeks then after 2 weeks rest q4w ×3",
    "once or twice weekly; 1 to 2 times a week; 3 times per week; 2/wk; thrice weekly",
    "at least 3 days apart; min 2 days; ≥ 7 days; >= 2 days",
    "q4w q21d q2mo q1y qd q.d. daily every day once a day qw weekly every week once each week",
    "monthly every calendar month once per month fortnightly annually yearly",
    "every other day every other week every 3 to 6 months every 2-4 weeks every 3 days",
    "at 4-week intervals at intervals of 2 weeks 2-weekly 3-monthly",
    "on days 0, 14 and 28 day 0 & 7 on Mon and Thu every Tue/Fri on m, w, f",
    "for 4 weeks for a total of 6 months over 3 weeks",
    "single dose a single once only one dose once",
    "×4 x12 ×10⁶ x10^6 4 doses 6 infusions in a total of 3 sessions 2 injections",
    "biweekly bi-monthly biannually bidaily q.o.d. qod qad qm q3m tiw t.i.w. biw",
    "twice daily 3 times a day bid t.i.d. q12h hourly every 12 hours every 30 min",
    "twice a month 2 times per month semimonthly semi-monthly",
    "on Mon-Fri every Mon to Wed on tue through thu",
    "IV i.v. intravenously sc s.c. subcutaneous im intra-articular intralesionally",
    "cAT-MSC 1e6/kg q4w ×8; assess on day 28 ± 2; if partial response: weekly ×4",
    "then followed by and then after 2 weeks wait a month",
]


def first(patterns: Sequence[re.Pattern[str]], text: str, pos: int) -> int | None:
    return next((i for i, p in enumerate(patterns) if p.match(text, pos)), None)


@pytest.mark.parametrize(
    ("combined", "patterns"),
    [
        (ANY_RULE, [rule.pattern for rule in RULES]),
        (ANY_AMBIGUOUS, [pattern for pattern, _ in AMBIGUOUS]),
        (ANY_UNSUPPORTED, [pattern for pattern, _, _ in UNSUPPORTED]),
    ],
    ids=["rules", "ambiguous", "unsupported"],
)
def test_the_combined_pattern_names_the_first_that_matches_everywhere(
    combined: re.Pattern[str], patterns: list[re.Pattern[str]]
) -> None:
    for text in TEXTS:
        for pos in range(len(text) + 1):
            match = combined.match(text, pos)
            assert (first_index(match) if match else None) == first(patterns, text, pos), (
                text,
                pos,
            )


def test_the_first_pattern_wins_where_two_match() -> None:
    # "ab" matches both: the first listed is named, as the loop over them would take it
    combined = first_of([re.compile("(?P<x>a)b"), re.compile("(?P<x>a)")])
    assert [first_index(m) for m in (combined.match("ab"), combined.match("a"))] == [0, 1]
    assert combined.match("b") is None


def test_patterns_with_other_flags_are_not_combined() -> None:
    with pytest.raises(AssertionError, match="share their flags"):
        first_of([re.compile("a"), re.compile("b", re.IGNORECASE)])
