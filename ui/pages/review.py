"""The psychiatrist's review: flags with their triggers and sources, acknowledgements, the plan,
the dose basis, the start date, the decision and the signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from screening.assessment import FlagResult
from screening.model import WEIGHT_BASES, PerKgDose
from screening.plans import BASIS_LABELS, sessions, weight_doses
from screening.storage import User
from ui import actions, pages, state, widgets
from ui.frame import screening_page
from ui.summary import SEVERITY_TEXT, status_badge
from ui.text import plain

DECISIONS = {
    "proceed": "Proceed",
    "do_not_proceed": "Do not proceed",
    "defer": "Defer pending work-up",
}

identifier, loaded = screening_page("Review")
user = state.user()
assert user is not None
current = identifier
detail, definition, assessment = loaded.detail, loaded.definition, loaded.assessment
stored_review: dict[str, Any] = dict(detail.review or {})
locked = detail.locked
can_edit = user.role == "psychiatrist" and not locked

st.title("Psychiatrist's review")
patient = plain(detail.patient_name) or "Patient not named yet"
st.markdown(f"**{patient}** · screening of {detail.assessed_on.isoformat()}")
status_badge(assessment.status)
if user.role != "psychiatrist":
    st.info(
        "Only a psychiatrist records the review and signs. You can read it here.",
        icon=":material/visibility:",
    )
if state.conflicts().get("review") is not None:
    widgets.conflict_notice(
        identifier, "review", state.conflicts()["review"], describe=lambda _v: "see the review below"
    )


def _save(changes: dict[str, Any]) -> None:
    review = {**stored_review, **changes}
    actions.save_review(current, {k: v for k, v in review.items() if v not in (None, {}, "")})


def _key(name: str) -> str:
    return f"review:{identifier}:{name}"


def _triggers(flag: FlagResult) -> str:
    parts = []
    for ref in flag.triggered_by:
        item = definition.items.get(ref)
        if item is not None:
            answer = widgets.describe_value(definition, item, detail.answers.get(ref))
            parts.append(f"{definition.title_of(ref)}: {plain(answer)}")
        else:
            score = assessment.scores.get(ref)
            value = score.value if score is not None else assessment.derived.get(ref)
            parts.append(f"{definition.title_of(ref)}: {plain(str(value))}")
    return "; ".join(parts)


# ------------------------------------------------------------------ flags
st.header("Flags")
if not assessment.flags:
    st.success("No flag fired.", icon=":material/check_circle:")
acknowledged: dict[str, str] = dict(stored_review.get("acknowledged") or {})
for flag in assessment.flags:
    words, color = SEVERITY_TEXT[flag.severity]
    with st.container(border=True):
        st.badge(words, color=color)
        st.markdown(f"**{flag.title}** · `{flag.id}`")
        st.markdown(f"*Triggered by:* {_triggers(flag)}")
        st.markdown(f"*Action:* {flag.action}")
        source = flag.source + ("" if flag.verified else " — not verified against the primary source")
        st.caption(f"Source: {source}")
        if flag.note:
            st.caption(f"Note: {flag.note}")
        if flag.severity == "relative":
            key = _key(f"ack:{flag.id}")
            state.sync_widget(key, acknowledged.get(flag.id, ""))

            def _ack(flag_id: str = flag.id, widget: str = key) -> None:
                notes = dict(acknowledged)
                text = str(state.widget_value(widget) or "").strip()
                if text:
                    notes[flag_id] = text
                else:
                    notes.pop(flag_id, None)
                _save({"acknowledged": notes})

            st.text_area(
                "Psychiatrist's acknowledgement (required before 'proceed')",
                key=key,
                on_change=_ack,
                disabled=not can_edit,
                max_chars=10_000,
                placeholder="Why treatment can go ahead despite this, and what is done about it",
            )
review_result = assessment.review
if review_result and review_result.unmatched_acknowledgements:
    st.warning(
        "Acknowledgements of flags that do not fire for these answers (kept, but they apply to nothing): "
        + ", ".join(review_result.unmatched_acknowledgements),
        icon=":material/info:",
    )
for requirement in assessment.requirements:
    if requirement.met is not True:
        st.warning(f"**{requirement.title}: not met.** {requirement.unmet} (Source: {requirement.source})")

# ------------------------------------------------------------------ plan
st.header("Plan")
plans = list(definition.plans.values())
plan_key = _key("protocol")
state.sync_widget(plan_key, stored_review.get("protocol"))
st.radio(
    "Protocol",
    [plan.id for plan in plans],
    format_func=lambda plan_id: f"{definition.plans[plan_id].title} — {definition.plans[plan_id].regulatory}",
    key=plan_key,
    on_change=lambda: _save({"protocol": state.widget_value(plan_key)}),
    disabled=not can_edit,
)
plan = definition.plans.get(str(stored_review.get("protocol") or ""))
if plan is not None:
    st.caption(f"{plan.dose.description} {plan.schedule}")
    if isinstance(plan.dose, PerKgDose):
        doses = weight_doses(definition, assessment, plan)
        table = [
            {
                "Weight basis": dose.label,
                "Weight (kg)": "—" if dose.weight_kg is None else f"{dose.weight_kg:g}",
                f"Dose at {plan.dose.mg_per_kg:g} mg/kg (mg)": dose.why_unknown or f"{dose.dose_mg:g}",
            }
            for dose in doses
        ]
        st.table(table)
        basis_key = _key("weight_basis")
        state.sync_widget(basis_key, stored_review.get("weight_basis"))
        st.radio(
            "Dose basis (recorded with the decision)",
            list(WEIGHT_BASES),
            format_func=lambda basis: BASIS_LABELS[basis],
            key=basis_key,
            horizontal=True,
            on_change=lambda: _save({"weight_basis": state.widget_value(basis_key)}),
            disabled=not can_edit,
        )
start_key = _key("start_date")
stored_start = stored_review.get("start_date")
state.sync_widget(start_key, dt.date.fromisoformat(stored_start) if isinstance(stored_start, str) else None)


def _save_start() -> None:
    chosen = state.widget_value(start_key)
    _save({"start_date": chosen.isoformat() if isinstance(chosen, dt.date) else None})


st.date_input("Start date", key=start_key, format="YYYY-MM-DD", on_change=_save_start, disabled=not can_edit)
if plan is not None:
    start = review_result.start_date if review_result else None
    dated = sessions(plan, start)
    st.markdown(
        "**Sessions:** "
        + ", ".join(f"{s.number}: {s.date.isoformat() if s.date else f'day {s.day}'}" for s in dated)
    )

# ------------------------------------------------------------------ decision and signature
st.header("Decision")
decision_key = _key("decision")
state.sync_widget(decision_key, stored_review.get("decision"))
st.radio(
    "Decision",
    list(DECISIONS),
    format_func=DECISIONS.get,
    key=decision_key,
    horizontal=True,
    on_change=lambda: _save({"decision": state.widget_value(decision_key)}),
    disabled=not can_edit,
)
decision = stored_review.get("decision")
blocked = decision == "proceed" and assessment.status == "contraindicated"
if blocked:
    st.error("An absolute contraindication fired: this screening cannot be signed as 'proceed'.")
if review_result:
    for text in review_result.notices:
        if "not possible" not in text:
            st.warning(text)

if locked and detail.signature is not None:
    st.success(
        f"Signed by {plain(detail.signature.signer.signature_name)} on "
        f"{detail.signature.signed_at.astimezone():%Y-%m-%d %H:%M} — locked.",
        icon=":material/verified:",
    )
elif user.role == "psychiatrist":
    signature = st.text_input(
        "Signature: name and credentials",
        value=user.signature_name,
        key=_key("signature"),
        max_chars=160,
    )
    missing_ack = bool(review_result and review_result.unacknowledged and decision == "proceed")
    ready = decision in DECISIONS and not blocked and not missing_ack and bool(signature.strip())

    def _sign(signer_user: User = user) -> None:
        # A callback runs before the page reloads the screening, so the signature is checked
        # against the revision that was on the screen when the button was pressed: a change made
        # by somebody else meanwhile refuses the signature instead of being signed unseen.
        typed = str(state.widget_value(_key("signature")) or "")
        name, _, credentials = typed.partition(",")
        signer = User(
            id=signer_user.id,
            name=name.strip() or signer_user.name,
            role=signer_user.role,
            authenticated=signer_user.authenticated,
            credentials=credentials.strip() or signer_user.credentials,
        )
        error = actions.sign_review(current, signer, stored_review)
        state.notify(f"Not signed: {error}" if error else "Signed and locked.")

    st.button(
        "Sign and lock",
        type="primary",
        disabled=not ready,
        icon=":material/draw:",
        key=_key("sign"),
        on_click=_sign,
    )
    st.caption("Signing records your name, the time and the status, and locks the screening.")

if locked and user.role == "psychiatrist":
    with (
        st.expander("Amend the review", icon=":material/edit_note:"),
        st.form(f"amend-review:{identifier}"),
    ):
        form_decision, form_reason = _key("amend-decision"), _key("amend-reason")
        st.radio(
            "Decision",
            list(DECISIONS),
            format_func=DECISIONS.get,
            horizontal=True,
            index=list(DECISIONS).index(decision) if decision in DECISIONS else 0,
            key=form_decision,
        )
        st.text_area("Reason for the amendment", max_chars=2000, key=form_reason)

        def _amend_review() -> None:
            # In the callback, so the amendment is based on the review the psychiatrist saw.
            error = actions.amend(
                current,
                reason=str(state.widget_value(form_reason) or ""),
                review={**stored_review, "decision": state.widget_value(form_decision)},
            )
            if error:
                state.report_error(form_reason, error)
            else:
                state.forget_widget(form_reason)
                state.notify("Amendment recorded.")

        st.form_submit_button("Record the amendment", type="primary", on_click=_amend_review)
    error = state.take_error(_key("amend-reason"))
    if error:
        st.error(error)

st.page_link(
    pages.DOCUMENTS,
    label="Documents",
    icon=":material/picture_as_pdf:",
    query_params={state.SCREENING_PARAM: identifier},
)
