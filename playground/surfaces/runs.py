"""Optimizer runs as text (``sgd:lr=0.09;momentum:lr=0.1,momentum=0.4``), as JSON and as the page's table.

``OptimizerKind`` (one run) and ``RunsKind`` (the lab's list of runs) are the field kinds for a page's
StateSpec; the table conversion lives here too, so the text, the JSON and the table can't disagree about
which settings a run has.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from engine.limits import MAX_RUNS
from labs.optim import OPTIMIZERS, SCHEDULES, WHY_EPS, WHY_RHO, OptimizerConfig
from playground.common.fields import Kind, echo, finite_float, format_float

NAMES = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
         "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
DEFAULT = OptimizerConfig()
_TEXT = {"name", "decay_mode", "schedule"}
_INTEGER = {"step_every", "total"}
_ORDER = [f.name for f in fields(OptimizerConfig)]
_SETTINGS = set(_ORDER) - {"name"}


# --- text: 'adam:lr=0.3,beta1=0.8', the optimizer and the settings that differ from the defaults ---

def encode_run(cfg: OptimizerConfig) -> str:
    changed = [f"{k}={v if isinstance(v, str) else format_float(v)}" for k, v in _changed(cfg).items()]
    return cfg.name + (":" + ",".join(changed) if changed else "")


def decode_run(text: str) -> OptimizerConfig:
    name, _, settings = text.partition(":")
    values: dict[str, Any] = {}
    for pair in filter(None, settings.split(",")):
        key, _, raw = pair.partition("=")
        if key not in _SETTINGS:
            raise ValueError(f"unknown setting {echo(key)}")
        values[key] = raw if key in _TEXT else int(raw) if key in _INTEGER else finite_float(raw)
    return _checked(name, values)


def decode_runs(text: str) -> tuple[OptimizerConfig, ...]:
    """Every run of a ';'-separated list (the first MAX_RUNS), as the MLP page has always read its optimizer."""
    runs = tuple(decode_run(item) for item in text.split(";")[:MAX_RUNS])
    if not runs:
        raise ValueError("no optimizer")
    return runs


def _changed(cfg: OptimizerConfig) -> dict[str, Any]:
    return {k: getattr(cfg, k) for k in _ORDER[1:] if getattr(cfg, k) not in (None, getattr(DEFAULT, k))}


def _checked(name: str, values: dict[str, Any]) -> OptimizerConfig:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {echo(name)}; choose one of {', '.join(OPTIMIZERS)}")
    cfg = OptimizerConfig(name, **values)
    if cfg.problems():
        raise ValueError(cfg.problems()[0])
    return cfg


def _from_object(data: Any) -> OptimizerConfig:
    """A run from JSON: {"name": "adam", "lr": 0.3} (the settings that differ), or the text form."""
    if isinstance(data, str):
        return decode_run(data)
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ValueError('each optimizer must be an object such as {"name": "adam", "lr": 0.01}')
    values = {}
    for key, value in data.items():
        if key == "name":
            continue
        if key not in _SETTINGS:
            raise ValueError(f"unknown setting {echo(key)}")
        if key in _TEXT:
            ok = isinstance(value, str)
        elif key in _INTEGER:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = (value is None and key.startswith("clip")) or (isinstance(value, int | float) and not
                                                               isinstance(value, bool) and math.isfinite(value))
        if not ok:
            raise ValueError(f"{key} can't be {echo(value)}")
        values[key] = float(value) if isinstance(value, int | float) and key not in _INTEGER else value
    return _checked(data["name"], values)


class OptimizerKind(Kind):
    """One optimizer run: text in a link, an object in JSON; in widgets one entry per setting
    (``<key>_name``, ``<key>_lr``, … ``<key>_clip_norm`` may be None)."""

    def parse(self, text: str) -> OptimizerConfig:
        return decode_run(text)

    def format(self, value: OptimizerConfig) -> str:
        return encode_run(value)

    def to_json(self, value: OptimizerConfig) -> dict[str, Any]:
        return {"name": value.name, **_changed(value)}

    def from_json(self, data: Any) -> OptimizerConfig:
        return _from_object(data)

    def widget_values(self, key: str, value: OptimizerConfig) -> dict[str, Any]:
        return {f"{key}_{name}": getattr(value, name) for name in _ORDER}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> OptimizerConfig:
        return OptimizerConfig(**{name: session[f"{key}_{name}"] for name in _ORDER})

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return tuple(f"{key}_{name}" for name in _ORDER)


# --- the table: one row per run, one column per setting (a cosine schedule's length is the iterations) ---

@dataclass(frozen=True)
class Column:
    name: str  # the row's key, and the header when no label
    setting: str  # the OptimizerConfig attribute
    label: str
    options: tuple[str, ...] = ()  # a choice column
    low: float | None = None
    high: float | None = None
    help: str = ""
    step: float | None = None  # a whole-number column steps by 1


COLUMNS = (
    Column("optimizer", "name", "optimizer", OPTIMIZERS),
    Column("lr", "lr", "η (learning rate)", low=0.0),
    Column("momentum", "momentum", "μ", low=0.0, high=0.999, help="momentum and Nesterov"),
    Column("rho", "rho", "ρ", low=0.0, high=0.999, help=f"RMSProp's decay of its average of g²: {WHY_RHO}"),
    Column("beta1", "beta1", "β₁", help="Adam's first-moment decay"),
    Column("beta2", "beta2", "β₂", help="Adam's second-moment decay"),
    Column("eps", "eps", "ε", low=0.0, help=f"added to the denominator of adaptive methods: {WHY_EPS}"),
    Column("weight decay", "weight_decay", "λ (weight decay)", low=0.0),
    Column("decay", "decay_mode", "decay", ("l2", "decoupled")),
    Column("clip norm", "clip_norm", "clip ‖g‖", low=0.0, help="empty: no clipping"),
    Column("clip value", "clip_value", "clip |gᵢ|", low=0.0, help="empty: no clipping"),
    Column("schedule", "schedule", "η schedule", SCHEDULES),
    Column("step every", "step_every", "step every", low=1, step=1,
           help="step schedule: η × γ every this many steps"),
    Column("gamma", "gamma", "γ", low=0.0, help="step schedule's factor"),
    Column("min lr", "min_lr", "min η", low=0.0, help="where a cosine schedule ends"),
)


_ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")
USED_BY = {  # the settings only some runs use, and which: the table leaves the others' cells blank
    "momentum": lambda cfg: cfg.name in ("momentum", "nesterov"),
    "rho": lambda cfg: cfg.name == "rmsprop",
    "beta1": lambda cfg: cfg.name in ("adam", "adamw"),
    "beta2": lambda cfg: cfg.name in ("adam", "adamw"),
    "eps": lambda cfg: cfg.name in _ADAPTIVE,
    "decay_mode": lambda cfg: bool(cfg.weight_decay) and cfg.name != "adamw",  # adamw always decouples
    "step_every": lambda cfg: cfg.schedule == "step",
    "gamma": lambda cfg: cfg.schedule == "step",
    "min_lr": lambda cfg: cfg.schedule == "cosine",
}


def run_to_row(cfg: OptimizerConfig) -> dict[str, Any]:
    """One row of the page's optimizer table. A setting the run doesn't use is a blank cell (read back as the
    default), unless it was set to something else: then it shows, so that the row reads back as the same run."""
    return {c.name: None if c.setting in USED_BY and not USED_BY[c.setting](cfg)
            and getattr(cfg, c.setting) == getattr(DEFAULT, c.setting) else getattr(cfg, c.setting)
            for c in COLUMNS}


def row_to_run(row: Mapping[str, Any]) -> OptimizerConfig:
    """The run a row describes, unchecked (its ``problems()`` say what is wrong); ValueError for a cell that
    is no number. An empty cell is the default; an empty learning rate is NaN, an empty clip no clipping."""
    values: dict[str, Any] = {}
    for c in COLUMNS:
        value = row.get(c.name)
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            value = {"name": "sgd", "lr": math.nan}.get(c.setting, getattr(DEFAULT, c.setting))
        elif not c.options:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"{c.label} must be a number, not {echo(value)}") from None
            if c.setting in _INTEGER and not number.is_integer():
                raise ValueError(f"{c.label} must be a whole number, not {number:g}")
            value = int(number) if c.setting in _INTEGER else number
        values[c.setting] = value
    for clip in ("clip_norm", "clip_value"):
        values[clip] = values[clip] or None  # 0 clips nothing
    return OptimizerConfig(**values)


def runs_from_rows(rows) -> tuple[list[OptimizerConfig], list[str]]:
    """The runs a table describes, and a message for every row that can't run (which is left out)."""
    runs, problems = [], []
    for i, row in enumerate(rows, start=1):
        if i > MAX_RUNS:
            problems.append(f"Row {i}: at most {MAX_RUNS} optimizers race at once")
            continue
        try:
            cfg = row_to_run(row)
        except (TypeError, ValueError) as e:
            problems.append(f"Row {i}: {e}")
            continue
        if cfg.problems():
            problems.append(f"Row {i} ({cfg.name}): " + "; ".join(cfg.problems()))
        else:
            runs.append(cfg)
    return runs, problems


def apply_edits(rows: list[dict], edits: Mapping[str, Any] | None) -> list[dict]:
    """The rows a data editor shows: its base rows with its edits, as Streamlit applies them (cell edits by
    position, then deletions by position, then added rows at the end)."""
    edits = edits or {}
    out = [dict(row) for row in rows]
    for position, changes in (edits.get("edited_rows") or {}).items():
        if 0 <= int(position) < len(out):
            out[int(position)].update(changes)
    deleted = {int(p) for p in edits.get("deleted_rows") or ()}
    out = [row for i, row in enumerate(out) if i not in deleted]
    return out + [{c.name: added.get(c.name) for c in COLUMNS} for added in edits.get("added_rows") or ()]


_editors = itertools.count(1)


class RunsKind(Kind):
    """The optimizer runs raced at once: ``run;run;…`` in a link (each as ``OptimizerKind`` writes it), a list
    of run objects in JSON, and a table in the page. The table's widget state is its base rows under ``key``
    and, under ``<key>_editor``, the key of the data editor showing them (a new one for every load, so the
    editor starts from the new rows); the editor's own edits are applied on reading."""

    def parse(self, text: str) -> tuple[OptimizerConfig, ...]:
        items = text.split(";")
        if len(items) > MAX_RUNS:
            raise ValueError(f"at most {MAX_RUNS} runs, not {len(items)}")
        return tuple(decode_run(item) for item in items)

    def format(self, value: tuple[OptimizerConfig, ...]) -> str:
        return ";".join(encode_run(r) for r in value)

    def to_json(self, value: tuple[OptimizerConfig, ...]) -> list[dict[str, Any]]:
        return [OptimizerKind().to_json(r) for r in value]

    def from_json(self, data: Any) -> tuple[OptimizerConfig, ...]:
        if not isinstance(data, list) or not 1 <= len(data) <= MAX_RUNS:
            raise ValueError(f"must be a list of 1 to {MAX_RUNS} optimizers")
        return tuple(_from_object(item) for item in data)

    def widget_values(self, key: str, value: tuple[OptimizerConfig, ...]) -> dict[str, Any]:
        return {key: [run_to_row(r) for r in value], f"{key}_editor": f"{key}_editor_{next(_editors)}"}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[OptimizerConfig, ...]:
        return tuple(runs_from_rows(self.rows(key, session))[0])

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return (key, f"{key}_editor")

    def editor_key(self, key: str, session: Mapping[str, Any]) -> str:
        return session[f"{key}_editor"]

    def rows(self, key: str, session: Mapping[str, Any]) -> list[dict]:
        """The rows the table shows now, edits included."""
        return apply_edits(session[key], session.get(self.editor_key(key, session)))

    def problems(self, key: str, session: Mapping[str, Any]) -> list[str]:
        """A message for every row of the table that can't run."""
        return runs_from_rows(self.rows(key, session))[1]
