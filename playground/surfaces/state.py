"""Everything the optimizer / loss-surface lab shows, in one object, and the one field table
(``SURFACES_SPEC``) from which its URL, its widgets' session state and its JSON settings are derived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine import EngineError
from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES, surface_expression
from playground.common.fields import Choice, Field, Float, Int, Kind, StateSpec, finite_float, format_float

from .numbers import readable
from .runs import DEFAULT as DEFAULT_RUN
from .runs import RunsKind, decode_runs, encode_run

__all__ = ["SURFACES_SPEC", "SurfaceState", "decode_runs", "encode_run"]  # the MLP page reads runs as we do

CUSTOM = "custom"
DEFAULT_SURFACE = "Ill-conditioned ravine"
VIEWS = ("contour", "3d")
MAX_ITERATIONS = 500  # the page's own limit (the engine allows more); the slider and a link share it
MAX_SPAN = 1e6  # widest plotted range
_DEFAULT_RUNS = SURFACES[DEFAULT_SURFACE].runs


def _floats(text: str, count: tuple[int, ...]) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) not in count:
        raise ValueError(f"needs {' or '.join(map(str, count))} numbers separated by a comma")
    return tuple(finite_float(p) for p in parts)


def _json_floats(data: Any, count: tuple[int, ...]) -> tuple[float, ...]:
    if not isinstance(data, list) or len(data) not in count or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in data):
        raise ValueError(f"must be a list of {' or '.join(map(str, count))} numbers")
    return _floats(",".join(map(repr, data)), count)


class ExprKind(Kind):
    """A surface f(x) or f(x, y), as typed: checked by the safe parser (its length limit too, with the real
    length in its message: the box has no max_chars to cut a paste first), kept as text."""

    def parse(self, text: str) -> str:
        try:
            surface_expression(text)
        except EngineError as e:
            raise ValueError(str(e)) from None
        return text


class RangeKind(Kind):
    """A plotted range: ``low,high`` in a link, [low, high] in JSON, two boxes ``<key>_from`` / ``<key>_to``."""

    def check(self, value: tuple[float, ...]) -> tuple[float, float]:
        low, high = value
        if not low < high:
            raise ValueError(f"needs low < high, not {format_float(low)} and {format_float(high)}")
        if high - low > MAX_SPAN:
            raise ValueError(f"can be at most {readable(MAX_SPAN)} wide")
        return low, high

    def parse(self, text: str) -> tuple[float, float]:
        return self.check(_floats(text, (2,)))

    def format(self, value: tuple[float, float]) -> str:
        return ",".join(map(format_float, value))

    def to_json(self, value: tuple[float, float]) -> list[float]:
        return [float(v) for v in value]

    def from_json(self, data: Any) -> tuple[float, float]:
        return self.check(_json_floats(data, (2,)))

    def widget_values(self, key: str, value: tuple[float, float]) -> dict[str, Any]:
        return {f"{key}_from": float(value[0]), f"{key}_to": float(value[1])}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[float, float]:
        return session[f"{key}_from"], session[f"{key}_to"]

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return f"{key}_from", f"{key}_to"


class PointKind(Kind):
    """The start point: ``x,y`` in a link (``x`` alone for a 1-D surface, y = 0), [x, y] in JSON, two boxes
    ``<key>_x`` / ``<key>_y``."""

    def parse(self, text: str) -> tuple[float, float]:
        return (*_floats(text, (1, 2)), 0.0)[:2]

    def format(self, value: tuple[float, float]) -> str:
        return ",".join(map(format_float, value))

    def to_json(self, value: tuple[float, float]) -> list[float]:
        return [float(v) for v in value]

    def from_json(self, data: Any) -> tuple[float, float]:
        return (*_json_floats(data, (1, 2)), 0.0)[:2]

    def widget_values(self, key: str, value: tuple[float, float]) -> dict[str, Any]:
        return {f"{key}_x": float(value[0]), f"{key}_y": float(value[1])}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[float, float]:
        return session[f"{key}_x"], session[f"{key}_y"]

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return f"{key}_x", f"{key}_y"


class ViewKind(Choice):
    """A choice shown as a segmented control, which the learner can also leave empty: empty is the first."""

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> str:
        return session[key] or self.options[0]


@dataclass(frozen=True)
class SurfaceState:
    surface: str = DEFAULT_SURFACE  # preset name, or "custom"
    expr: str = SURFACES[DEFAULT_SURFACE].expr
    x_range: tuple[float, float] = SURFACES[DEFAULT_SURFACE].x_range
    y_range: tuple[float, float] = SURFACES[DEFAULT_SURFACE].y_range
    start: tuple[float, float] = SURFACES[DEFAULT_SURFACE].start
    runs: tuple[OptimizerConfig, ...] = field(default=_DEFAULT_RUNS)
    iterations: int = 100
    tolerance: float = 1e-6
    frame: int = 100  # the iteration shown (animation position)
    view: str = "contour"

    @classmethod
    def for_surface(cls, name: str, **changes) -> SurfaceState:
        """A preset surface with its own f, ranges, start and optimizer rows (a 1-D one plots y in [-1, 1] and starts
        at y = 0)."""
        s = SURFACES[name]
        own = {"surface": name, "expr": s.expr, "x_range": tuple(map(float, s.x_range)),
               "y_range": tuple(map(float, s.y_range or (-1.0, 1.0))), "start": (*map(float, s.start), 0.0)[:2],
               "runs": s.runs}
        return replace(cls(), **{**own, **changes})


def settle(state: SurfaceState) -> tuple[SurfaceState, list[str]]:
    """What ties the fields together: a preset's name goes with its own f; the iteration shown is one of the
    iterations; a cosine schedule decays over all the iterations (and no other schedule has a length)."""
    warnings = []
    preset = SURFACES.get(state.surface)
    if preset is not None and preset.expr != state.expr:
        warnings.append(f"The surface ({state.surface}) has another f(x, y) than the one given; the given f is "
                        "shown as a custom surface.")
        state = replace(state, surface=CUSTOM)
    if state.frame > state.iterations:
        warnings.append(f"The iteration shown (frame) was {state.frame:,}, beyond the {state.iterations:,} "
                        f"iterations; showing iteration {state.iterations:,}.")
        state = replace(state, frame=state.iterations)
    runs = tuple(replace(r, total=state.iterations if r.schedule == "cosine" else DEFAULT_RUN.total)
                 for r in state.runs)
    if any(r.total not in (DEFAULT_RUN.total, s.total) for r, s in zip(state.runs, runs, strict=True)):
        warnings.append(f"The optimizer runs (runs): a cosine schedule decays over all {state.iterations:,} "
                        "iterations, and no other schedule has a length; their total= was set so.")
    return replace(state, runs=runs), warnings


class SurfaceSpec(StateSpec):
    """A link or JSON that names a preset surface and not its f takes the preset's f, ranges, start and optimizer
    rows (those it doesn't give); one with iterations and no iteration shown shows the last."""

    def from_query(self, query: Mapping[str, str]) -> tuple[SurfaceState, list[str]]:
        return super().from_query({**self._implied(query, url=True), **query})

    def from_json(self, data: Any) -> tuple[SurfaceState, list[str]]:
        return super().from_json({**self._implied(data, url=False), **data} if isinstance(data, dict) else data)

    def _implied(self, given: Mapping[str, Any], url: bool) -> dict[str, Any]:
        def name(f: Field) -> str:
            return f.key if url else f.name

        def read(f: Field) -> Any:
            return (f.kind.parse if url else f.kind.from_json)(given[name(f)])

        implied = {}
        surface, expr = self.field("surface"), self.field("expr")
        preset = SURFACES.get(given.get(name(surface))) if isinstance(given.get(name(surface)), str) else None
        if preset is not None and given.get(name(expr), preset.expr) == preset.expr:
            state = SurfaceState.for_surface(preset.name)
            for f in (expr, self.field("x_range"), self.field("y_range"), self.field("start"), self.field("runs")):
                value = getattr(state, f.name)
                implied[name(f)] = f.kind.format(value) if url else f.kind.to_json(value)
        iterations, frame = self.field("iterations"), self.field("frame")
        if name(iterations) in given and name(frame) not in given:
            try:
                read(iterations)
                implied[name(frame)] = given[name(iterations)]
            except (ValueError, TypeError, OverflowError):
                pass  # the iterations' own warning is enough
        return implied


SURFACES_SPEC = SurfaceSpec(SurfaceState, (
    Field("surface", "surface", Choice((*SURFACES, CUSTOM)), "surface"),
    Field("expr", "f", ExprKind(), "surface f(x, y)"),
    Field("x_range", "xr", RangeKind(), "x range"),
    Field("y_range", "yr", RangeKind(), "y range"),
    Field("start", "start", PointKind(), "start point"),
    Field("runs", "runs", RunsKind(), "optimizer runs"),
    Field("iterations", "iters", Int(1, MAX_ITERATIONS), "number of iterations"),
    Field("tolerance", "tol", Float(0.0), "tolerance"),
    Field("frame", "frame", Int(0, MAX_ITERATIONS), "iteration shown"),
    Field("view", "view", ViewKind(VIEWS), "view"),
), prefix="surfaces", settle=settle)
