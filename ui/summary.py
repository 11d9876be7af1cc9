"""The live summary shown beside every screening page, and the suicide-risk banner.

Colour is never the only carrier of meaning: every status and severity is also written out.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from screening.answers import Ref
from screening.assessment import Assessment
from screening.config import ClinicSettings
from screening.definition import Definition
from screening.model import GroupItem
from screening.vocabulary import STATUS_MEANING, lifecycle_words, status_words
from screening.workflow import Screening, lifecycle_sentence
from ui.text import plain

BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]

_STATUS_COLORS: dict[str, BadgeColor] = {
    "contraindicated": "red",
    "needs_review": "orange",
    "candidate": "green",
    "incomplete": "gray",
}
STATUS_LOOK: dict[str, tuple[BadgeColor, str]] = {
    status: (color, STATUS_MEANING[status]) for status, color in _STATUS_COLORS.items()
}
"""The colour of each status and what was found (the words are `STATUS_WORDS` and `STATUS_MEANING`)."""

LIFECYCLE_LOOK: dict[str, tuple[BadgeColor, str]] = {
    "draft": ("gray", ":material/edit_note:"),
    "signed": ("green", ":material/verified:"),
    "reopened": ("orange", ":material/history:"),
}

SEVERITY_TEXT: dict[str, tuple[str, BadgeColor]] = {
    "absolute": ("Absolute contraindication", "red"),
    "relative": ("Relative contraindication", "orange"),
    "caution": ("Caution", "yellow"),
    "info": ("Information", "blue"),
}


def status_badge(status: str, *, reviewed: bool = False) -> None:
    """The engine's status; what it asks of the psychiatrist is said only while nobody has signed
    it (a signed screening says its decision instead)."""
    color, meaning = STATUS_LOOK[status]
    st.badge(f"Status: {status_words(status)}", color=color, help=meaning)
    if not reviewed:
        st.caption(meaning)


def lifecycle_badge(screening: Screening) -> None:
    color, icon = LIFECYCLE_LOOK[screening.lifecycle]
    st.badge(lifecycle_words(screening.lifecycle), color=color, icon=icon)


def signed_by(screening: Screening) -> str:
    """ "R. Okafor, MD on 2026-11-20 14:05", of the signature that stands (or stood, when reopened)."""
    signature = screening.last_signature
    if signature is None:
        return ""
    return f"{signature.signer.signature_name} on {signature.signed_at.astimezone():%Y-%m-%d %H:%M}"


def screening_state(screening: Screening) -> None:
    """Where the screening stands, under the title of every screening page: the lifecycle in words
    (draft; signed with the decision; reopened, why and what it needs) and the status."""
    lifecycle = screening.lifecycle
    badges = st.container(horizontal=True, gap="small")
    with badges:
        lifecycle_badge(screening)
        status_badge(screening.status, reviewed=True)
    sentence = plain(lifecycle_sentence(screening))
    if lifecycle == "signed":
        st.caption(f"{sentence} · by {plain(signed_by(screening))}")
    elif lifecycle == "reopened":
        reopened_notice(screening)
    else:
        st.caption(f"{sentence}: {STATUS_LOOK[screening.status][1]}")


def reopened_notice(screening: Screening) -> None:
    """Why a signed screening was reopened and what it needs now."""
    reopened = screening.reopened
    parts = [f"**{plain(lifecycle_sentence(screening))}.**"]
    if reopened is not None and reopened.because:
        parts.append("\n".join(f"- {plain(why)}" for why in reopened.because))
    if reopened is not None:
        parts.append(
            f"Amended by {plain(reopened.by)} on {reopened.at.astimezone():%Y-%m-%d %H:%M}. "
            f"Reason given: {plain(reopened.reason)}"
        )
    previous = signed_by(screening)
    if previous:
        parts.append(f"The signature of {plain(previous)} no longer stands: a psychiatrist signs again.")
    st.warning("\n\n".join(parts), icon=":material/history:")


def crisis_banner(assessment: Assessment, settings: ClinicSettings) -> None:
    """Shown at the top of every screening page as soon as a suicide-risk flag fires."""
    if not assessment.crisis:
        return
    crisis_flags = [flag for flag in assessment.flags if flag.crisis]
    lines = [f"- **{flag.title}.** {flag.action}" for flag in crisis_flags]
    resources = "; ".join(f"{plain(line.label)}: {plain(line.contact)}" for line in settings.crisis_lines)
    st.error(
        "**Suicide-risk screen positive: act now, before anything else.**\n\n"
        + "\n".join(lines)
        + f"\n\nCrisis resources: {resources}; emergency: {plain(settings.emergency_number)}.",
        icon=":material/emergency:",
    )


def rule_words(definition: Definition, ids: list[str]) -> str:
    """Rules (flags) and requirements named by their titles, for messages; an id the questionnaire
    does not know is shown as it is."""
    titles = {rule.id: rule.title for rule in definition.rules}
    titles.update({requirement.id: requirement.title for requirement in definition.requirements})
    return ", ".join(titles.get(identifier, identifier) for identifier in ids)


def _missing_words(definition: Definition, ref: Ref) -> str:
    """A missing answer in words: the item's title, or "Trial 3: Adequate dose" in a group row."""
    if ref.item == "assessed_on":
        return "Date of the screening"
    group = definition.items.get(ref.item)
    if ref.row is None or not isinstance(group, GroupItem):
        return definition.title_of(ref.item)
    row = f"{group.row_label} {ref.row}"
    field = next((f for f in group.fields if f.id == ref.field), None)
    return f"{row}: {field.label or field.text}" if field is not None else row


def summary_bar(screening: Screening) -> None:
    """The live summary folded into one bar, for the top of the page where the sidebar does not
    fit (a tablet): the status, the flags counted by severity, how many answers are missing, and
    the full live summary in a drawer."""
    assessment = screening.assessment
    color, meaning = STATUS_LOOK[assessment.status]
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.badge(f"Status: {status_words(assessment.status)}", color=color, help=meaning)
        any_flag = False
        for severity, (words, badge_color) in SEVERITY_TEXT.items():
            flags = assessment.flags_by_severity(severity)  # type: ignore[arg-type]  # keys are severities
            if flags:
                any_flag = True
                st.badge(f"{words} ({len(flags)})", color=badge_color)
        if not any_flag:
            st.badge("Flags: none", color="gray")
        if assessment.missing:
            st.badge(f"Missing answers ({len(assessment.missing)})", color="gray")
    with st.expander("Live summary: scores, criteria, flags and what is missing"):
        live_summary(screening, heading=False)


def live_summary(screening: Screening, *, heading: bool = True) -> None:
    """The lifecycle, status, scores with bands, criteria, flags by severity and what is missing
    (`heading`: under its own title; not in a drawer that names it already)."""
    definition, assessment = screening.definition, screening.assessment
    if heading:
        st.subheader("Live summary")
    lifecycle_badge(screening)
    if screening.lifecycle != "draft":  # the badge already says "Draft"
        st.markdown(plain(lifecycle_sentence(screening)))
    status_badge(assessment.status, reviewed=screening.lifecycle == "signed")
    scores = list(assessment.scores.values())
    if scores:
        st.markdown("**Scores**")
        for score in scores:
            value = "not computed" if score.value is None else f"{score.value} · {score.band}"
            st.markdown(f"- {score.title}: {value}")
    for requirement in assessment.requirements:
        met = {True: "met", False: "**not met**", None: "not known yet"}[requirement.met]
        st.markdown(f"**{requirement.title}:** {met}")
    if assessment.flags:
        st.markdown(f"**Flags ({len(assessment.flags)})**")
        for severity, (words, color) in SEVERITY_TEXT.items():
            flags = assessment.flags_by_severity(severity)  # type: ignore[arg-type]  # keys are severities
            if not flags:
                continue
            st.badge(f"{words} ({len(flags)})", color=color)
            for flag in flags:
                st.markdown(f"- {flag.title}")
    else:
        st.markdown("**Flags:** none")
    if assessment.undetermined and not assessment.missing:
        st.markdown("**Could not be evaluated:** " + rule_words(definition, assessment.undetermined))
    if assessment.missing:
        st.markdown(f"**Missing ({len(assessment.missing)})**")
        by_section: dict[str, list[str]] = {}
        for ref in assessment.missing_refs:
            view = definition.item_section.get(ref.item)
            section = view.title if view else "Screening"
            by_section.setdefault(section, []).append(_missing_words(definition, ref))
        for section, names in by_section.items():
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            st.markdown(f"- *{section}:* {shown}")
    st.caption("Decision support only: the psychiatrist decides.")
