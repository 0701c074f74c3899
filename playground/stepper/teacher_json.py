"""The stepper's settings as JSON with the teacher's choices in them: the share panel's JSON says the same as its
link, hidden panels and locked controls included, and reads back the same (loading it is opening that link)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from playground.common.fields import StateSpec, echo
from playground.common.teacher import TeacherView

TEACHER_KEYS = ("hide", "lock")


class Loaded(NamedTuple):
    state: Any  # the page's state
    teacher: TeacherView


def chosen_for_class(session: Mapping[str, Any], key: str) -> TeacherView:
    """The share panel's "hide" and "lock" choices (its multiselects ``{key}_hide``, ``{key}_lock``)."""
    return TeacherView(frozenset(session.get(f"{key}_hide", ())), frozenset(session.get(f"{key}_lock", ())))


class TeacherJson:
    """``spec``'s JSON plus "hide" and "lock" lists (present when not empty): the teacher's choices in the share
    panel of page ``key``, as its link carries them, read from ``session``. ``from_json`` returns a ``Loaded``."""

    def __init__(self, spec: StateSpec, can_hide: dict[str, str], can_lock: dict[str, str],
                 session: Mapping[str, Any], key: str):
        self.spec, self.can_hide, self.can_lock, self.session, self.key = spec, can_hide, can_lock, session, key

    def to_json(self, state) -> dict[str, Any]:
        data, view = self.spec.to_json(state), chosen_for_class(self.session, self.key)
        for name, names in zip(TEACHER_KEYS, (view.hidden, view.locked), strict=True):
            if names:
                data[name] = sorted(names)
        return data

    def from_json(self, data: Any) -> tuple[Loaded, list[str]]:
        if not isinstance(data, dict):
            raise ValueError("the settings must be a JSON object {…}")
        query, warnings = {}, []
        for name in TEACHER_KEYS:
            names = data.get(name, [])
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                query[name] = ",".join(names)
            else:
                warnings.append(f"The {name} list was ignored: it must be a list of names such as "
                                f"[\"ledger\"], not {echo(names)}.")
        view, more = TeacherView.from_query(query, self.can_hide, self.can_lock, source="JSON")
        state, spec_warnings = self.spec.from_json({k: v for k, v in data.items() if k not in TEACHER_KEYS})
        return Loaded(state, view), spec_warnings + warnings + more
