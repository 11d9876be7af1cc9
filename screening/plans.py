"""Plan arithmetic for the review and the documents: doses per weight basis and session dates.

Pure functions of a definition, an assessment, the review's choices and the clinic's treatment
days. Nothing here decides: the psychiatrist chooses the plan, the weight basis and the start date.
The review page and both documents read the same structured results from here, so they show the
same facts and the same words.

Doses are never nonsense:

* ideal body weight (Devine) is not computed below 152.4 cm (60 in), the height the formula starts
  from, and the adjusted body weight built on it is not computed either; each says why;
* no dose is computed from an unknown, and none is zero or negative: "not computed", with why;
* a basis whose dose is more mg per kg of *actual* body weight than the protocol's dose (ideal or
  adjusted weight above the actual weight, e.g. a tall, very thin patient) carries a warning.

Session dates fall only on the clinic's treatment days (clinic settings, default Monday to
Friday). Day 1 is the start date, or the first treatment day after it; each session keeps its
protocol day unless that is not a treatment day or comes too soon after the session before, and
then moves to the next treatment day that keeps the protocol's spacing: the smallest gap between
consecutive session days of the plan (2 days for days 1, 3, 5, 8, 10, 12; 3 for twice weekly on
days 1, 4, 8, 11, ...). Every move is said in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace
from itertools import pairwise

from screening.assessment import Assessment
from screening.definition import Definition
from screening.model import (
    WEIGHT_BASES,
    AdjustedBodyWeight,
    AgeYears,
    Bmi,
    FixedDose,
    IdealBodyWeight,
    ParamRef,
    PerKgDose,
    Plan,
    WeightBasis,
)
from screening.vocabulary import MovedSession, moved_session_words

BASIS_LABELS: dict[WeightBasis, str] = {
    "actual": "Actual body weight",
    "ideal": "Ideal body weight (Devine)",
    "adjusted": "Adjusted body weight",
}
BASIS_WORDS: dict[WeightBasis, str] = {
    "actual": "actual body weight",
    "ideal": "Devine ideal body weight",
    "adjusted": "adjusted body weight",
}
"""The bases inside a sentence."""

DEVINE_MIN_HEIGHT_CM = 152.4
"""152.4 cm: Devine's formula adds 2.3 kg per inch over 5 feet; below that it gives nonsense (a
100 cm entry would give 2.6 kg), so ideal body weight is not computed."""
DEVINE_NOT_VALID = "Devine's formula is not valid below 152.4 cm (60 in)"

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))
"""The default treatment days, as `datetime.date.weekday()` numbers."""


# ---------------------------------------------------------------------------------------------
# Weights and doses


@dataclass(frozen=True)
class BodyWeight:
    """A weight for one basis: `kg`, or None with `reason` saying why it is not computed."""

    basis: WeightBasis
    label: str
    kg: float | None
    reason: str | None = None


@dataclass(frozen=True)
class WeightDose:
    """The dose of a per-kg plan for one weight basis.

    `dose_mg` is None (never 0) when it cannot be computed, with `reason`. `mg_per_kg_actual` is
    the dose per kg of actual body weight (None when either is unknown); `above_protocol` is true
    when that is more than the protocol's mg/kg. `warning` says so in words, or says that the dose
    cannot be checked against actual body weight because that is unknown.
    """

    basis: WeightBasis
    label: str
    weight_kg: float | None
    dose_mg: float | None
    reason: str | None = None
    mg_per_kg_actual: float | None = None
    above_protocol: bool = False
    warning: str | None = None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class _Answers:
    """The answers and derived values the weights are read from, with words for what is missing."""

    def __init__(self, definition: Definition, assessment: Assessment) -> None:
        self.definition = definition
        self.assessment = assessment
        self.rejected = {problem.where.item: problem.message for problem in assessment.problems}

    def name(self, item_id: str) -> str:
        title = self.definition.title_of(item_id)
        return title[:1].upper() + title[1:]

    def missing(self, item_id: str) -> str:
        """Why an item has no usable value, in words."""
        if item_id in self.rejected:
            return f"{self.name(item_id).lower()} not accepted: {self.rejected[item_id]}"
        state = self.assessment.items.get(item_id)
        if state is not None and not state.shown:
            return f"{self.name(item_id).lower()} not asked"
        return f"{self.name(item_id).lower()} not recorded"

    def value(self, item_id: str) -> object:
        state = self.assessment.items.get(item_id)
        return state.value if state is not None else None

    def derived(self, derived_id: str) -> float | None:
        return _number(self.assessment.derived.get(derived_id))


def _weight_item(definition: Definition) -> str | None:
    for spec in definition.derived.values():
        if isinstance(spec, AdjustedBodyWeight):
            return spec.actual_kg
    for spec in definition.derived.values():
        if isinstance(spec, Bmi):
            return spec.weight_kg
    return None


def _actual(answers: _Answers, item_id: str | None) -> BodyWeight:
    label = BASIS_LABELS["actual"]
    if item_id is None:
        return BodyWeight("actual", label, None, "the questionnaire does not record weight")
    kg = _number(answers.value(item_id))
    if kg is None:
        return BodyWeight("actual", label, None, answers.missing(item_id))
    if kg <= 0:
        return BodyWeight("actual", label, None, f"{answers.name(item_id).lower()} is not above 0 kg")
    return BodyWeight("actual", label, kg)


def _ideal(answers: _Answers, spec: IdealBodyWeight | None) -> BodyWeight:
    label = BASIS_LABELS["ideal"]
    if spec is None:
        return BodyWeight("ideal", label, None, "the questionnaire does not compute ideal body weight")
    height = _number(answers.value(spec.height_cm))
    if height is None:
        return BodyWeight("ideal", label, None, answers.missing(spec.height_cm))
    if height < DEVINE_MIN_HEIGHT_CM:
        return BodyWeight("ideal", label, None, f"{DEVINE_NOT_VALID}; height {height:g} cm")
    sex = answers.value(spec.sex)
    if sex is None:
        return BodyWeight("ideal", label, None, answers.missing(spec.sex))
    if sex not in spec.male and sex not in spec.female:
        sex_name = answers.name(spec.sex).lower()
        return BodyWeight("ideal", label, None, f"Devine's formula needs {sex_name} male or female")
    kg = answers.derived(spec.id)
    if kg is None or kg <= 0:
        return BodyWeight("ideal", label, None, "not computed")
    return BodyWeight("ideal", label, kg)


def _adjusted(
    answers: _Answers, spec: AdjustedBodyWeight | None, ideal: BodyWeight, actual: BodyWeight
) -> BodyWeight:
    label = BASIS_LABELS["adjusted"]
    if spec is None:
        return BodyWeight("adjusted", label, None, "the questionnaire does not compute adjusted body weight")
    needs = []
    if ideal.kg is None:
        needs.append("ideal body weight, which is not computed")
    if actual.kg is None:
        needs.append(f"actual body weight ({actual.reason or 'not known'})")
    if needs:
        return BodyWeight("adjusted", label, None, "needs " + " and ".join(needs))
    kg = answers.derived(spec.id)
    if kg is None or kg <= 0:
        return BodyWeight("adjusted", label, None, "not computed")
    return BodyWeight("adjusted", label, kg)


def body_weights(definition: Definition, assessment: Assessment) -> dict[WeightBasis, BodyWeight]:
    """Actual, ideal and adjusted body weight, each a value or None with the reason."""
    answers = _Answers(definition, assessment)
    ideal_spec = next((d for d in definition.derived.values() if isinstance(d, IdealBodyWeight)), None)
    adjusted_spec = next((d for d in definition.derived.values() if isinstance(d, AdjustedBodyWeight)), None)
    actual = _actual(answers, _weight_item(definition))
    ideal = _ideal(answers, ideal_spec)
    return {"actual": actual, "ideal": ideal, "adjusted": _adjusted(answers, adjusted_spec, ideal, actual)}


def _per_kg_words(value: float, protocol: float) -> str:
    """``0.77``: enough decimals that a value above the protocol's never prints as equal to it."""
    for decimals in (2, 3, 4):
        words = f"{value:.{decimals}f}"
        if float(words) > protocol:
            return words
    return f"{value:.4f}"


def weight_doses(definition: Definition, assessment: Assessment, plan: Plan) -> list[WeightDose]:
    """The plan's dose for each weight basis; empty for a fixed-dose plan."""
    if not isinstance(plan.dose, PerKgDose):
        return []
    mg_per_kg = plan.dose.mg_per_kg
    weights = body_weights(definition, assessment)
    actual = weights["actual"].kg
    result: list[WeightDose] = []
    for basis in WEIGHT_BASES:
        weight = weights[basis]
        if weight.kg is None or weight.kg <= 0 or mg_per_kg <= 0:
            result.append(WeightDose(basis, weight.label, weight.kg, None, weight.reason or "not computed"))
            continue
        dose = round(mg_per_kg * weight.kg, 1)
        if dose <= 0:
            result.append(WeightDose(basis, weight.label, weight.kg, None, "the dose rounds to 0 mg"))
            continue
        if actual is None:
            why = weights["actual"].reason or "not known"
            unchecked = f"{dose:g} mg cannot be checked against actual body weight ({why})."
            result.append(WeightDose(basis, weight.label, weight.kg, dose, warning=unchecked))
            continue
        per_actual = mg_per_kg * weight.kg / actual
        above = weight.kg > actual
        warning = (
            f"{weight.label}, {weight.kg:g} kg, is more than the actual body weight, {actual:g} kg:"
            f" {dose:g} mg is {_per_kg_words(per_actual, mg_per_kg)} mg/kg of actual body weight,"
            f" more than the protocol's {mg_per_kg:g} mg/kg."
            if above
            else None
        )
        result.append(WeightDose(basis, weight.label, weight.kg, dose, None, per_actual, above, warning))
    return result


def dose_for(
    definition: Definition, assessment: Assessment, plan: Plan, basis: WeightBasis
) -> WeightDose | None:
    """The dose of a per-kg plan on one basis (None for a fixed-dose plan)."""
    return next((d for d in weight_doses(definition, assessment, plan) if d.basis == basis), None)


def _param_number(definition: Definition, operand: ParamRef | float) -> float | None:
    if isinstance(operand, ParamRef):
        parameter = definition.parameters.get(operand.param)
        return _number(parameter.value) if parameter is not None else None
    return float(operand)


def _mg_list(doses: list[float]) -> str:
    """'56 mg or 84 mg'; '28 mg, 56 mg or 84 mg'."""
    words = [f"{mg:g} mg" for mg in doses]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" or {words[-1]}"


def fixed_dose(definition: Definition, assessment: Assessment, dose: FixedDose) -> str:
    """First and later doses of a fixed-dose plan, by the patient's age where the plan says so
    (esketamine day 1 at 28 mg from 65, EU SmPC). An unknown age gives both, never a guess."""
    first, later = dose.first_session_mg, dose.later_session_mg
    older = dose.older_adult
    from_age = _param_number(definition, older.from_age) if older else None
    older_first = _param_number(definition, older.first_session_mg) if older else None
    if older is None or from_age is None or older_first is None:
        return f"First session {first:g} mg; later sessions {_mg_list(later)}."
    age_id = next((d.id for d in definition.derived.values() if isinstance(d, AgeYears)), None)
    age = _number(assessment.derived.get(age_id)) if age_id else None
    older_later = older.later_session_mg or later
    if age is not None and age >= from_age:
        return (
            f"First session {older_first:g} mg (age {from_age:g} or older);"
            f" later sessions {_mg_list(older_later)}."
        )
    if age is not None:
        return f"First session {first:g} mg; later sessions {_mg_list(later)}."
    return (
        f"First session {first:g} mg, or {older_first:g} mg at {from_age:g} or older (age not known);"
        f" later sessions {_mg_list(later)} ({_mg_list(older_later)} at {from_age:g} or older)."
    )


def chosen_dose(definition: Definition, assessment: Assessment, plan: Plan, basis: WeightBasis | None) -> str:
    """One line describing the dose the psychiatrist chose, for the plan sections."""
    if not isinstance(plan.dose, PerKgDose):
        return fixed_dose(definition, assessment, plan.dose)
    minutes = f" over {plan.dose.infusion_minutes} minutes" if plan.dose.infusion_minutes else ""
    if basis is None:
        return f"{plan.dose.mg_per_kg:g} mg/kg{minutes}; weight basis not chosen yet."
    dose = dose_for(definition, assessment, plan, basis)
    if dose is None or dose.dose_mg is None or dose.weight_kg is None:
        why = dose.reason if dose is not None and dose.reason else "unknown"
        return (
            f"{plan.dose.mg_per_kg:g} mg/kg{minutes} on {BASIS_WORDS[basis]} \u2014 not computed: {why};"
            " choose another weight basis."
        )
    return (
        f"{dose.dose_mg:g} mg ({plan.dose.mg_per_kg:g} mg/kg x {dose.weight_kg:g} kg,"
        f" {BASIS_WORDS[basis]}){minutes}."
    )


# ---------------------------------------------------------------------------------------------
# Session dates


@dataclass(frozen=True)
class Session:
    """One session: its protocol `day`, its `date` (None without a start date), the plan's note,
    and, when the clinic's calendar moved it, the protocol's date (`planned`) and why (`moved`)."""

    number: int
    day: int
    date: dt.date | None
    note: str | None
    planned: dt.date | None = None
    moved: str | None = None
    phase: str | None = None
    """The id of the plan's phase the session belongs to."""
    rescheduled_from: dt.date | None = None
    """The date the calendar gave, when the psychiatrist moved this session (`Review.moved_session`)."""


@dataclass(frozen=True)
class Schedule:
    """The dated sessions of a plan and what the clinic's treatment days changed, in words:
    `start_note` when the start date is not a treatment day, `course_note` when sessions moved."""

    sessions: tuple[Session, ...]
    treatment_days: frozenset[int]
    spacing_days: int
    start: dt.date | None
    first_day: dt.date | None
    start_note: str | None = None
    course_note: str | None = None
    course_days: int | None = None
    """Days from the first session to the last, both counted (None without a start date)."""
    protocol_days: int = 1
    """The same in the protocol: the last session's day."""
    move_note: str | None = None
    """The psychiatrist's move of one session in words: what moved, or why it was not applied, and
    any calendar rule it breaks (not a treatment day, closer than the protocol's spacing)."""
    move_applied: bool = False
    move_warnings: tuple[str, ...] = ()

    @property
    def longer_days(self) -> int:
        """How many days longer the course is on the clinic's treatment days than in the protocol."""
        return max(self.course_days - self.protocol_days, 0) if self.course_days is not None else 0

    @property
    def moved(self) -> list[Session]:
        return [session for session in self.sessions if session.moved]

    @property
    def notices(self) -> list[str]:
        return [note for note in (self.start_note, self.course_note, self.move_note) if note]

    @property
    def rescheduled(self) -> Session | None:
        """The session the psychiatrist moved, when the move was applied."""
        return next((session for session in self.sessions if session.rescheduled_from), None)

    def phase_title(self, plan: Plan, session: Session) -> str | None:
        """``Induction (weeks 1-4, twice weekly)``."""
        phase = next((phase for phase in plan.phases if phase.id == session.phase), None)
        return f"{phase.title} (weeks {phase.weeks}, {phase.frequency.lower()})" if phase else None


def day_words(day: dt.date) -> str:
    """``Saturday 2026-12-05``."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"


def treatment_days_words(days: Collection[int]) -> str:
    """``Monday to Friday``, ``Tuesday and Thursday``, ``Monday, Wednesday and Friday``."""
    ordered = sorted(set(days))
    names = [WEEKDAY_NAMES[day] for day in ordered]
    if len(ordered) == 7:
        return "every day"
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def spacing_days(plan: Plan) -> int:
    """The protocol's spacing: the smallest gap, in days, between consecutive sessions of the plan."""
    gaps = [later.day - earlier.day for earlier, later in pairwise(plan.sessions)]
    return max(min(gaps), 1) if gaps else 1


def _next_treatment_day(day: dt.date, days: frozenset[int]) -> dt.date:
    while day.weekday() not in days:
        day += dt.timedelta(days=1)
    return day


def _days(count: int) -> str:
    return f"{count} day{'s' * (count != 1)}"


def schedule(
    plan: Plan,
    start_date: dt.date | None,
    treatment_days: Collection[int] = MONDAY_TO_FRIDAY,
    moved_session: MovedSession | None = None,
) -> Schedule:
    """The plan's sessions dated from the start date on the clinic's treatment days, with the one
    session the psychiatrist moved (`Review.moved_session`) on its new date.

    ``treatment_days`` are `datetime.date.weekday()` numbers (Monday is 0); it must not be empty.
    A move keeps the order of the sessions or is not applied (and says why); a moved session on a
    day the clinic does not treat, or closer to its neighbours than the protocol's spacing, is
    applied with a warning: the psychiatrist decides, the plan says what it breaks.
    """
    days = frozenset(treatment_days)
    if not days or not days <= set(range(7)):
        raise ValueError("treatment days must be weekday numbers 0-6, at least one")
    spacing = spacing_days(plan)
    if start_date is None:
        sessions_ = tuple(
            Session(number=index, day=session.day, date=None, note=session.note, phase=session.phase)
            for index, session in enumerate(plan.sessions, start=1)
        )
        undated = (
            f"{moved_session_words(moved_session)} is not applied: no start date is set."
            if moved_session is not None
            else None
        )
        return Schedule(
            sessions_,
            days,
            spacing,
            None,
            None,
            protocol_days=plan.sessions[-1].day,
            move_note=undated,
            move_warnings=(undated,) if undated else (),
        )
    first_day = _next_treatment_day(start_date, days)
    start_note = None
    if first_day != start_date:
        start_note = (
            f"The start date, {day_words(start_date)}, is not a treatment day (the clinic treats"
            f" {treatment_days_words(days)}): day 1 is {day_words(first_day)}."
        )
    dated: list[Session] = []
    previous: dt.date | None = None
    for index, session in enumerate(plan.sessions, start=1):
        planned = first_day + dt.timedelta(days=session.day - 1)
        earliest = planned if previous is None else max(planned, previous + dt.timedelta(days=spacing))
        date = _next_treatment_day(earliest, days)
        moved = None
        if date != planned:
            reasons = []
            if planned.weekday() not in days:
                reasons.append("is not a treatment day")
            gap = (planned - previous).days if previous is not None else spacing
            if previous is not None and gap <= 0:
                reasons.append(f"is not after session {index - 1} ({day_words(previous)})")
            elif previous is not None and gap < spacing:
                reasons.append(
                    f"comes {_days(gap)} after session {index - 1} ({day_words(previous)}),"
                    f" less than the protocol's spacing of {_days(spacing)}"
                )
            moved = (
                f"Day {session.day} ({day_words(planned)}) {' and '.join(reasons)}:"
                f" moved to {day_words(date)}."
            )
        dated.append(
            Session(index, session.day, date, session.note, planned if moved else None, moved, session.phase)
        )
        previous = date
    moved_count = sum(1 for session in dated if session.moved)
    move_note: str | None = None
    move_warnings: tuple[str, ...] = ()
    move_applied = False
    if moved_session is not None:
        dated, move_note, move_warnings, move_applied = _move(dated, moved_session, days, spacing)
    last = dated[-1].date
    assert last is not None  # every session is dated when there is a start date
    course = (last - min(first_day, dated[0].date or first_day)).days + 1
    protocol = plan.sessions[-1].day
    course_note = None
    if moved_count:
        course_note = (
            f"{moved_count} of {len(dated)} sessions move to keep to the treatment days and the"
            f" protocol's spacing; the last is on day {course} ({day_words(last)})"
            + (f" instead of day {protocol}." if course != protocol else ", as in the protocol.")
        )
    return Schedule(
        tuple(dated),
        days,
        spacing,
        start_date,
        first_day,
        start_note,
        course_note,
        course,
        protocol,
        move_note,
        move_applied,
        move_warnings,
    )


def _move(
    dated: list[Session], moved: MovedSession, days: frozenset[int], spacing: int
) -> tuple[list[Session], str, tuple[str, ...], bool]:
    """Apply the psychiatrist's move of one session: (sessions, note, warnings, applied)."""
    words = moved_session_words(moved)
    number, new = moved.session, moved.date
    if number > len(dated):
        why = f"{words} is not applied: the plan has {len(dated)} sessions."
        return dated, why, (why,), False
    session = dated[number - 1]
    assert session.date is not None  # called with a start date only
    before = dated[number - 2].date if number > 1 else None
    after = dated[number].date if number < len(dated) else None
    if before is not None and new <= before:
        why = (
            f"{words} is not applied: it is not after session {number - 1} ({day_words(before)});"
            " a move keeps the order of the sessions."
        )
        return dated, why, (why,), False
    if after is not None and new >= after:
        why = (
            f"{words} is not applied: it is not before session {number + 1} ({day_words(after)});"
            " a move keeps the order of the sessions."
        )
        return dated, why, (why,), False
    if new == session.date:
        note = f"{words}: the date the calendar gives already; nothing moves."
        return dated, note, (), False
    warnings = []
    if new.weekday() not in days:
        warnings.append(
            f"{day_words(new)} is not a treatment day (the clinic treats {treatment_days_words(days)})"
        )
    for other, label in ((before, f"session {number - 1}"), (after, f"session {number + 1}")):
        if other is not None and abs((new - other).days) < spacing:
            warnings.append(
                f"it is {_days(abs((new - other).days))} from {label} ({day_words(other)}),"
                f" less than the protocol's spacing of {_days(spacing)}"
            )
    note = f"Moved by the psychiatrist: session {number} from {day_words(session.date)} to {day_words(new)}."
    if warnings:
        note += " Check: " + "; ".join(warnings) + "."
    result = list(dated)
    result[number - 1] = replace(session, date=new, rescheduled_from=session.date)
    return result, note, tuple(warnings), True


def sessions(
    plan: Plan,
    start_date: dt.date | None,
    treatment_days: Collection[int] = MONDAY_TO_FRIDAY,
    moved_session: MovedSession | None = None,
) -> list[Session]:
    """The plan's sessions, dated on the clinic's treatment days from the start date when one is
    set (see `schedule`)."""
    return list(schedule(plan, start_date, treatment_days, moved_session).sessions)
