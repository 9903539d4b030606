"""The non-response view: responders and non-responders compared on what is known of everyone
invited (cohort, activity and social assistance at exit, language), for the whole programme."""

from __future__ import annotations

from followup.i18n import _l
from followup.results.measures.builder import Builder, LabelWith, answered, total
from followup.results.measures.counting import Counts
from followup.results.measures.steps import off_ladder_now
from followup.results.measures.vocabulary import ACTIVITIES, ACTIVITY_LABELS, LANGUAGES, NOT_RECORDED, Rung
from followup.results.tables import ALL, ATTRIBUTE, COUNT, NO_COHORT, PROCESS, Column, Row, Table

CHARACTERISTICS = (
    ("exit_activity", [*ACTIVITIES, NOT_RECORDED], _l("Activity at exit: %(value)s")),
    ("exit_assistance", ["yes", "no", NOT_RECORDED], _l("Social assistance at exit: %(value)s")),
    ("language", list(LANGUAGES), _l("Language: %(value)s")),
)


def _people_with(cells: list[tuple], name: str, value: str) -> int:
    """Return how many people of `cells` have `value` of a characteristic known of everyone."""
    if name == "language":
        # A language other than the two is written to in Swedish, as the messages are.
        english = total(cells, "language:en")
        return english if value == "en" else total(cells, "n") - english
    if name == "exit_assistance":
        if value != NOT_RECORDED:
            return total(cells, f"exit_assistance:{value}")
        return total(cells, "n") - total(cells, "exit_assistance:yes") - total(cells, "exit_assistance:no")
    if value != NOT_RECORDED:
        return total(cells, f"exit_activity:{value}")
    return total(cells, "n") - sum(total(cells, f"exit_activity:{a}") for a in ACTIVITIES)


def variables(b: Builder, k: tuple, cells: list[tuple], ladder: tuple[Rung, ...], rung_of) -> None:
    """Add the whole programme's responders and non-responders by each characteristic."""
    answers = answered(cells)
    others = [c for c in cells if not c[2]]
    for name, values, _heading in CHARACTERISTICS:
        responders, non_responders = [], []
        for value in values:
            # "Not recorded" says something about the records, not about a person; the language
            # messages were sent in is how we reached people, not their situation.
            role = PROCESS if value == NOT_RECORDED or name == "language" else ATTRIBUTE
            yes_n, no_n = _people_with(answers, name, value), _people_with(others, name, value)
            yes = b.var(("responders", *k, name, value), yes_n, role)
            no = b.var(("non_responders", *k, name, value), no_n, role)
            everyone = b.var(("invited_with", *k, name, value), yes_n + no_n, role, False)
            b.equation(everyone, [yes, no])
            responders.append(yes)
            non_responders.append(no)
        b.equation(("answered", *k), responders, distribution=True)
        b.equation(("not_answered", *k), non_responders, distribution=True)
    b.equation(("assistance_at_exit", *k), [("responders", *k, "exit_assistance", "yes")])
    for i, rung in enumerate(ladder):
        # Responders who stood on this step at exit: comparable now, or now off the ladder.
        off = off_ladder_now(answers, rung_of, i)
        b.equation(
            ("invited_with", *k, "exit_rung_answered", i),
            [("exit_rung", *k, i), b.var(("off_ladder_now", *k, i), off, ATTRIBUTE, False)],
        )
        total_ = sum(b.value(("responders", *k, "exit_activity", a)) for a in rung.activities)
        b.var(("invited_with", *k, "exit_rung_answered", i), total_, ATTRIBUTE, False)
        b.equation(
            ("invited_with", *k, "exit_rung_answered", i),
            [("responders", *k, "exit_activity", a) for a in rung.activities],
        )


def table(b: Builder, counts: Counts) -> Table:
    nonresponse = Table(
        "non_response",
        _l("Who answered and who did not"),
        _l(
            "Responders and non-responders compared on what is known of everyone invited, so a reader "
            "can judge whether the answers are skewed."
        ),
        [Column("responders", _l("Answered"), COUNT), Column("non_responders", _l("Did not answer"), COUNT)],
    )
    for w in counts.waves:
        for g in counts.cohorts:
            cells = {
                "responders": b.count(("answered", w, g)),
                "non_responders": b.count(("not_answered", w, g)),
            }
            row = Row(
                w, f"cohort:{g}", cells, _l("Cohort: %(name)s", name=g) if g != NO_COHORT else _l("No cohort")
            )
            nonresponse.rows.append(row)
        for name, values, heading in CHARACTERISTICS:
            for value in values:
                cells = {
                    "responders": b.count(("responders", w, ALL, name, value)),
                    "non_responders": b.count(("non_responders", w, ALL, name, value)),
                }
                shown = {"yes": _l("yes"), "no": _l("no")}.get(value) or ACTIVITY_LABELS.get(value) or value
                nonresponse.rows.append(Row(w, f"{name}:{value}", cells, LabelWith(heading, shown)))
    return nonresponse
