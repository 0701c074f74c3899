"""One table of fields per page state, from which the URL, the session's widgets and the JSON settings are
all derived (the idea of TensorFlow Playground's state.ts PROPS table).

A page declares its state as a frozen dataclass and a ``StateSpec``: one ``Field`` per attribute, naming
its URL key, its ``Kind`` (how its value is read from and written to URL text, JSON and widgets, with
its bounds) and its label in words. Everything else is generated from that table:

- ``to_query`` / ``from_query``: the URL. Reading never raises: a malformed, out-of-range or unknown
  value keeps the default and gives a warning that names the field (never a silent clamp).
- ``to_json`` / ``from_json``: the settings as a JSON object, with the same per-field warnings.
- ``to_session`` / ``from_session``: the widgets' session-state keys (``<prefix>_<field>``), so a page
  loads a state into its widgets and reads the state back from them with no hand mapping to drift.

So no setting can exist in one of the three and not the others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, TypeVar

T = TypeVar("T")
MAX_ECHO = 40  # characters of a refused value quoted back in a warning


def format_float(x: float) -> str:
    """Shortest text that reads back as the same float (2 rather than 2.0)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def echo(value: object) -> str:
    """A refused value, quoted and cut short, for a message."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:MAX_ECHO] + ("…" if len(text) > MAX_ECHO else ""))


# --- kinds: how one value is written as URL text, as JSON and in widgets ---

class Kind:
    """The base kind: URL text is the JSON value too, and the widget holds the value itself.

    Subclasses implement ``parse`` (text → value; ValueError with the reason) and ``format``; they
    override the JSON and widget conversions where a friendlier form exists.
    """

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)

    def to_json(self, value: Any) -> Any:
        return self.format(value)

    def from_json(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise ValueError(f"expected text, got {type(data).__name__}")
        return self.parse(data)

    def widget_values(self, key: str, value: Any) -> dict[str, Any]:
        """The session-state entries of the widget(s) that show ``value`` under ``key``."""
        return {key: value}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> Any:
        return session[key]

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return (key,)

    def widget_prefix(self, key: str) -> str | None:
        """For a field whose widgets come and go with the state (the stepper's box per variable): the prefix of
        their keys, which ``widget_keys`` can't list."""
        return None


def widgets_under(session: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The session's values of the widgets whose keys start with ``prefix`` (Kind.widget_prefix)."""
    return {k: v for k, v in session.items() if isinstance(k, str) and k.startswith(prefix)}


def _json_number(data: Any) -> float:
    if isinstance(data, bool) or not isinstance(data, int | float):
        raise ValueError(f"expected a number, got {type(data).__name__}")
    return data


@dataclass(frozen=True)
class Int(Kind):
    low: int
    high: int

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise ValueError(f"must be between {self.low:,} and {self.high:,}, not {value:,}")
        return value

    def parse(self, text: str) -> int:
        return self.check(int(text))

    def to_json(self, value: int) -> int:
        return value

    def from_json(self, data: Any) -> int:
        number = _json_number(data)
        if number != int(number):
            raise ValueError(f"must be a whole number, not {number}")
        return self.check(int(number))


@dataclass(frozen=True)
class Float(Kind):
    low: float = -math.inf
    high: float = math.inf

    def check(self, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        if not self.low <= value <= self.high:
            bounds = (f"at least {self.low:g}" if self.high == math.inf else f"at most {self.high:g}"
                      if self.low == -math.inf else f"between {self.low:g} and {self.high:g}")
            raise ValueError(f"must be {bounds}, not {value:g}")
        return value

    def parse(self, text: str) -> float:
        return self.check(float(text))

    def format(self, value: float) -> str:
        return format_float(value)

    def to_json(self, value: float) -> float:
        return float(value)

    def from_json(self, data: Any) -> float:
        return self.check(float(_json_number(data)))


@dataclass(frozen=True)
class Choice(Kind):
    options: tuple[str, ...]

    def parse(self, text: str) -> str:
        if text not in self.options:
            raise ValueError(f"must be one of {', '.join(self.options)}, not {echo(text)}")
        return text

    def to_json(self, value: str) -> str:
        return value


@dataclass(frozen=True)
class Flag(Kind):
    def parse(self, text: str) -> bool:
        if text not in ("0", "1"):
            raise ValueError(f"must be 0 or 1, not {echo(text)}")
        return text == "1"

    def format(self, value: bool) -> str:
        return "1" if value else "0"

    def to_json(self, value: bool) -> bool:
        return bool(value)

    def from_json(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise ValueError(f"must be true or false, not {echo(data)}")
        return data


@dataclass(frozen=True)
class Names(Kind):
    """A comma-separated list of names, each one of ``options``; a JSON list of them."""

    options: tuple[str, ...]
    max_items: int = 16
    min_items: int = 0

    def check(self, names: tuple[str, ...]) -> tuple[str, ...]:
        bad = [n for n in names if n not in self.options]
        if bad:
            raise ValueError(f"{echo(bad[0])} is not one of {', '.join(self.options)}")
        if not self.min_items <= len(names) <= self.max_items:
            raise ValueError(f"needs {self.min_items} to {self.max_items} items, not {len(names)}")
        return names

    def parse(self, text: str) -> tuple[str, ...]:
        return self.check(tuple(n for n in text.split(",") if n))

    def format(self, value: tuple[str, ...]) -> str:
        return ",".join(value)

    def to_json(self, value: tuple[str, ...]) -> list[str]:
        return list(value)

    def from_json(self, data: Any) -> tuple[str, ...]:
        if not isinstance(data, list) or not all(isinstance(n, str) for n in data):
            raise ValueError("must be a list of names")
        return self.check(tuple(data))

    def widget_values(self, key: str, value: tuple[str, ...]) -> dict[str, Any]:
        return {key: list(value)}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(session[key])


# --- fields and the spec ---

@dataclass(frozen=True)
class Field:
    name: str  # the state dataclass's attribute
    key: str  # its URL parameter (stable: links people have saved use it)
    kind: Kind
    label: str  # in words, for messages
    aliases: tuple[str, ...] = ()  # URL keys that older versions wrote for the same setting


@dataclass(frozen=True)
class StateSpec(Generic[T]):
    """A page's state class, its fields, and the prefix of its widgets' session-state keys.

    ``settle`` (optional) takes a state whose fields were read one by one and returns it made consistent
    (e.g. one activation per hidden layer) with a warning for anything it had to change.
    """

    state: type[T]
    fields: tuple[Field, ...]
    prefix: str
    settle: Callable[[T], tuple[T, list[str]]] | None = None
    extra_keys: tuple[str, ...] = ("hide", "lock")  # URL keys other code reads (teacher links)

    def __post_init__(self):
        names = {f.name for f in fields(self.state)}
        assert {f.name for f in self.fields} == names, "every attribute of the state needs exactly one field"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    # URL
    def to_query(self, state: T) -> dict[str, str]:
        return {f.key: f.kind.format(getattr(state, f.name)) for f in self.fields}

    def from_query(self, query: Mapping[str, str]) -> tuple[T, list[str]]:
        values, warnings = {}, []
        known = set(self.extra_keys)
        for f in self.fields:
            known |= {f.key, *f.aliases}
            key = next((k for k in (f.key, *f.aliases) if k in query), None)
            if key is None:
                continue
            try:
                values[f.name] = f.kind.parse(query[key])
            except (ValueError, TypeError, OverflowError) as e:  # "Ignored …" reads right for plural labels too
                warnings.append(f"Ignored the link's {f.label} ({key}=): {e}. Using the default.")
        unknown = [k for k in query if k not in known]
        if unknown:
            warnings.append(f"This page has no setting called {', '.join(echo(k) for k in unknown[:5])}; "
                            "ignored.")
        return self._settled(replace(self.state(), **values), warnings)

    # JSON
    def to_json(self, state: T) -> dict[str, Any]:
        return {f.name: f.kind.to_json(getattr(state, f.name)) for f in self.fields}

    def from_json(self, data: Any) -> tuple[T, list[str]]:
        if not isinstance(data, dict):
            raise ValueError("the settings must be a JSON object {…}")
        values, warnings = self.json_values(data, "Using the default.")
        return self._settled(replace(self.state(), **values), warnings)

    def json_values(self, data: dict[str, Any], instead: str) -> tuple[dict[str, Any], list[str]]:
        """The fields ``data`` gives that read well, and a message for each key that doesn't (``instead`` says
        what the page keeps in its place)."""
        values, warnings = {}, []
        by_name = {f.name: f for f in self.fields}
        for name, item in data.items():
            f = by_name.get(name)
            if f is None:
                warnings.append(f"Unknown setting {echo(name)} ignored.")
                continue
            try:
                if isinstance(item, float) and not math.isfinite(item):  # JSON's 1e999 reads as inf, in any field
                    raise ValueError("not a finite number")
                values[name] = f.kind.from_json(item)
            except (ValueError, TypeError, OverflowError, RecursionError) as e:
                warnings.append(f"Ignored {f.label} ({name}): {e}. {instead}")
        return values, warnings

    # widgets
    def widget_key(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    def widget_keys(self) -> list[str]:
        return [k for f in self.fields for k in f.kind.widget_keys(self.widget_key(f.name))]

    def widget_prefixes(self) -> list[str]:
        """The key prefixes of the widgets that come and go with the state (Kind.widget_prefix)."""
        return [p for f in self.fields if (p := f.kind.widget_prefix(self.widget_key(f.name))) is not None]

    def to_session(self, state: T, session: MutableMapping[str, Any]) -> None:
        for f in self.fields:
            session.update(f.kind.widget_values(self.widget_key(f.name), getattr(state, f.name)))

    def from_session(self, session: Mapping[str, Any]) -> T:
        """The state the widgets show. Widgets enforce their own bounds, so this reads without checks; what
        ties fields together (``settle``) is applied, silently: the widgets already show the result."""
        state = self.state(**{f.name: f.kind.from_widgets(self.widget_key(f.name), session) for f in self.fields})
        return self.settle(state)[0] if self.settle else state

    def survive_page_switch(self, session: MutableMapping[str, Any]) -> None:
        """Streamlit forgets a page's widget values in the first run of another page (the widgets weren't drawn),
        while the page's own flags, kept outside widgets, stay: coming back, the page found itself set up and its
        widgets gone (KeyError, or a number box at its minimum). Called at the start of every run, whatever the page:
        each widget value there is copied, and each one missing is put back from its copy."""
        kept = session.setdefault(f"{self.prefix}_widgets_kept", {})
        for k in self.widget_keys():
            if k in session:
                kept[k] = session[k]
            elif k in kept:
                session[k] = kept[k]
        for prefix in self.widget_prefixes():  # widgets named by the state (x's box, y's box): the set last drawn
            if drawn := widgets_under(session, prefix):
                kept[prefix] = drawn
            elif prefix in kept:
                session.update(kept[prefix])

    def keep_widgets(self, session: MutableMapping[str, Any]) -> None:
        """Streamlit forgets a widget's value in a run that doesn't draw it (a panel hidden for the class,
        a control shown only for some choices): re-assigning the values (a box per variable too) keeps them."""
        for key in [*self.widget_keys(), *(k for p in self.widget_prefixes() for k in widgets_under(session, p))]:
            if key in session:
                session[key] = session[key]

    def _settled(self, state: T, warnings: list[str]) -> tuple[T, list[str]]:
        if self.settle is None:
            return state, warnings
        state, more = self.settle(state)
        return state, warnings + more


