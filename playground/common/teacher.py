"""Teacher links: ``hide=`` and ``lock=`` lists in a URL hide panels or freeze controls for the class.

Each page names the panels it can hide and the controls it can lock. Names a page doesn't know are
ignored (with a warning), so a tampered link can only hide or lock, never break the page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TeacherView:
    hidden: frozenset[str] = frozenset()
    locked: frozenset[str] = frozenset()

    @classmethod
    def from_query(cls, query: dict[str, str], can_hide: dict[str, str], can_lock: dict[str, str],
                   source: str = "link"):
        """The view a link's (or pasted settings') lists ask for; ``source`` names where they came from in the
        warnings: "link" (hide=) or "JSON" ("hide")."""
        warnings, chosen = [], {}
        for key, allowed in (("hide", can_hide), ("lock", can_lock)):
            names = [n.strip() for n in query.get(key, "").split(",") if n.strip()][:20]
            unknown = [n[:20] for n in names if n not in allowed]
            if unknown:
                spelled = f"{key}=" if source == "link" else f'"{key}" list'
                warnings.append(f"The {source}'s {spelled} names {', '.join(map(repr, unknown))}, which this page "
                                "doesn't have; ignored.")
            chosen[key] = frozenset(n for n in names if n in allowed)
        return cls(chosen["hide"], chosen["lock"]), warnings

    def shows(self, panel: str) -> bool:
        return panel not in self.hidden

    def locks(self, control: str) -> bool:
        return control in self.locked

    def to_query(self) -> dict[str, str]:
        query = {}
        if self.hidden:
            query["hide"] = ",".join(sorted(self.hidden))
        if self.locked:
            query["lock"] = ",".join(sorted(self.locked))
        return query
