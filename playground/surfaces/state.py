"""Everything the optimizer / loss-surface lab shows, in one object that round-trips the URL."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from engine import EngineError
from engine.limits import MAX_ITERATIONS, MAX_RUNS
from labs.optim import OPTIMIZERS, OptimizerConfig
from labs.surfaces import SURFACES, surface_expression
from playground.common.fields import bounded_int, finite_float, format_float, one_of, read_fields

DEFAULT_SURFACE = "Ill-conditioned ravine"
VIEWS = ("contour", "3d")
# The settings a run may carry in a link: every numeric field of OptimizerConfig, plus the modes.
_NUMERIC = {f.name for f in fields(OptimizerConfig)} - {"name", "decay_mode", "schedule"}
_DEFAULT_RUNS = (OptimizerConfig("sgd", lr=0.09), OptimizerConfig("momentum", lr=0.1, momentum=0.4),
                 OptimizerConfig("adagrad", lr=0.9))


def encode_run(cfg: OptimizerConfig) -> str:
    """'adam:lr=0.3,beta1=0.8': the optimizer and the settings that differ from the defaults."""
    default = OptimizerConfig(cfg.name)
    changed = []
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if f.name != "name" and value is not None and value != getattr(default, f.name):
            changed.append(f"{f.name}={value if isinstance(value, str) else format_float(value)}")
    return cfg.name + (":" + ",".join(changed) if changed else "")


def decode_runs(text: str) -> tuple[OptimizerConfig, ...]:
    runs = []
    for item in text.split(";")[:MAX_RUNS]:
        name, _, settings = item.partition(":")
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name[:20]!r}")
        values: dict = {}
        for pair in filter(None, settings.split(",")):
            key, _, raw = pair.partition("=")
            if key in ("decay_mode", "schedule"):
                values[key] = raw
            elif key in _NUMERIC:
                values[key] = int(raw) if key in ("step_every", "total") else finite_float(raw)
            else:
                raise ValueError(f"unknown setting {key[:20]!r}")
        cfg = OptimizerConfig(name, **values)
        if cfg.problems():
            raise ValueError(cfg.problems()[0])
        runs.append(cfg)
    if not runs:
        raise ValueError("no optimizer")
    return tuple(runs)


def run_to_row(cfg: OptimizerConfig) -> dict:
    """One row of the page's optimizer table."""
    return {"optimizer": cfg.name, "lr": cfg.lr, "momentum": cfg.momentum, "beta1": cfg.beta1,
            "beta2": cfg.beta2, "weight decay": cfg.weight_decay, "decay": cfg.decay_mode,
            "clip norm": cfg.clip_norm, "clip value": cfg.clip_value, "schedule": cfg.schedule}


def runs_from_rows(rows, iterations: int) -> tuple[list[OptimizerConfig], list[str]]:
    """The runs a table describes, and a message for every row that can't run (which is left out)."""
    runs, problems = [], []
    for i, row in enumerate(list(rows)[:MAX_RUNS], start=1):
        def number(key, default, row=row):
            value = row.get(key)
            return default if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        try:
            cfg = OptimizerConfig(
                row.get("optimizer") or "sgd", lr=number("lr", float("nan")), momentum=number("momentum", 0.9),
                beta1=number("beta1", 0.9), beta2=number("beta2", 0.999), weight_decay=number("weight decay", 0.0),
                decay_mode=row.get("decay") or "l2", clip_norm=number("clip norm", 0.0) or None,
                clip_value=number("clip value", 0.0) or None, schedule=row.get("schedule") or "constant",
                # a cosine schedule decays over the whole run; the others have no length
                **({"total": max(1, int(iterations))} if row.get("schedule") == "cosine" else {}))
        except (TypeError, ValueError) as e:
            problems.append(f"Row {i}: {e}")
            continue
        if cfg.problems():
            problems.append(f"Row {i} ({cfg.name}): " + "; ".join(cfg.problems()))
        else:
            runs.append(cfg)
    return runs, problems


def _range(text: str) -> tuple[float, float]:
    low, high = (finite_float(p) for p in text.split(","))
    if not low < high or high - low > 1e6:
        raise ValueError("need low < high")
    return low, high


def _point(text: str) -> tuple[float, float]:
    coords = [finite_float(p) for p in text.split(",")[:2]]
    return (coords + [0.0])[:2]  # a 1-D surface's start has one coordinate


def _expr(text: str) -> str:
    try:
        surface_expression(text)
    except EngineError as e:
        raise ValueError(str(e)) from None
    return text


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
        s = SURFACES[name]
        y_range = s.y_range or (-1.0, 1.0)
        start = tuple(s.start) + (0.0,) * (2 - len(s.start))
        return replace(cls(), surface=name, expr=s.expr, x_range=s.x_range, y_range=y_range,
                       start=start, **changes)

    def to_query(self) -> dict[str, str]:
        return {
            "surface": self.surface, "f": self.expr,
            "xr": ",".join(map(format_float, self.x_range)), "yr": ",".join(map(format_float, self.y_range)),
            "start": ",".join(map(format_float, self.start)),
            "runs": ";".join(encode_run(r) for r in self.runs),
            "iters": str(self.iterations), "tol": format_float(self.tolerance), "frame": str(self.frame),
            "view": self.view,
        }

    @classmethod
    def from_query(cls, query: dict[str, str]) -> tuple[SurfaceState, list[str]]:
        renamed = {"f": "expr", "xr": "x_range", "yr": "y_range", "iters": "iterations", "tol": "tolerance"}
        query = {renamed.get(k, k): v for k, v in query.items()}
        readers = {
            "surface": one_of((*SURFACES, "custom")), "expr": _expr, "x_range": _range, "y_range": _range,
            "start": lambda t: tuple(_point(t)),
            "runs": decode_runs, "iterations": bounded_int(1, MAX_ITERATIONS),
            "tolerance": finite_float, "frame": bounded_int(0, MAX_ITERATIONS), "view": one_of(VIEWS),
        }
        state, warnings = read_fields(cls(), query, readers)
        if state.surface != "custom" and state.expr != SURFACES[state.surface].expr:
            state = replace(state, surface="custom")  # a typed f overrides the preset's name
        return state, warnings
