"""The MLP lab's configuration file: ``MLP_SPEC``'s JSON settings, a version key, and the user's own points
when the dataset is "own data".

Reading one checks every field and says, per field, what it ignored (wrong type, out of range, unknown) and
which settings the file didn't have; only a file that holds nothing readable is refused. Files written before
version 2 (``"gradlab": 1``, the training configuration as ``dataclasses.asdict(TrainConfig)`` plus the
dataset's name) are converted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from engine.limits import MAX_CSV_BYTES
from playground.common.fields import echo

from .points import rows_from_json, rows_to_json
from .state import MLP_SPEC, OWN_DATA, MLPState

VERSION_KEY, VERSION = "gradlab", 2
MAX_FILE_BYTES = 2 * MAX_CSV_BYTES  # the most points a file may hold take about 1.5 times their CSV
POINTS_KEY = "own_points"
_V1_NET = ("hidden", "activations", "init", "init_scale", "bias")  # version 1 nested these under "net"
_V1_DERIVED = ("inputs", "outputs")  # follow from the features and the data


@dataclass(frozen=True)
class Config:
    state: MLPState
    points: list[dict] | None = None  # rows for the own-data table; None: the file has none


def to_json(state: MLPState, points: list[dict] | None = None) -> dict[str, Any]:
    """The file's content; ``points`` (the own-data table's rows) are saved when the dataset is own data."""
    data = {VERSION_KEY: VERSION, **MLP_SPEC.to_json(state)}
    if state.dataset == OWN_DATA and points is not None:
        data[POINTS_KEY] = rows_to_json(points)
    return data


def to_text(state: MLPState, points: list[dict] | None = None) -> str:
    return json.dumps(to_json(state, points), indent=1)


class NothingUsable(ValueError):
    """A file none of whose settings (and no points) could be used: loading it would change nothing."""


def from_json(data: Any, current: MLPState | None = None) -> tuple[Config, list[str]]:
    """The configuration a file holds over ``current`` (the page's setup; the defaults when None) and a message
    for every field it ignored: a setting that is wrong or missing keeps its current value, never silently
    reset. Raises ValueError for a file with nothing to read: not an object, another version's, or nothing
    usable in it (NothingUsable, whose message names every field and why)."""
    if not isinstance(data, dict):
        raise ValueError("a configuration is a JSON object {…}")
    current = current or MLPState()
    data = dict(data)
    version = data.pop(VERSION_KEY, VERSION)
    if isinstance(version, bool) or version not in (1, VERSION):
        raise ValueError(f'this gradlab reads configurations of version 1 and {VERSION}, not "{VERSION_KEY}": '
                         f"{json.dumps(version)[:20]}")
    data, warnings = _from_version_1(data) if version == 1 else (data, [])
    raw_points = data.pop(POINTS_KEY, None)
    values, more = MLP_SPEC.json_values(data, "Kept as it was.")
    warnings += more
    points = None
    if raw_points is not None:
        try:
            points = rows_from_json(raw_points)
        except ValueError as e:
            warnings.append(f"The own points ({POINTS_KEY}) were ignored: {e}. The table keeps its points.")
    if not values and points is None:
        raise NothingUsable("nothing in it is a setting this page can use, so nothing was changed. "
                            + " ".join(warnings or ["It holds no settings."]))
    missing = [f.label for f in MLP_SPEC.fields if f.name not in data]
    state, more = MLP_SPEC.settle(replace(current, **values))
    warnings += more
    if missing:
        warnings.append(f"Not in the file, so kept as they were: {', '.join(missing)}.")
    if raw_points is None and state.dataset == OWN_DATA:
        warnings.append("These settings hold no points: the own-data table keeps its points.")
    return Config(state, points), warnings


def from_text(text: str, current: MLPState | None = None) -> tuple[Config, list[str]]:
    if not text.strip():
        raise ValueError("it is empty. Export a configuration (JSON) from this page, then load that file.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:  # in words, not Python's "Expecting value: line 1 column 1 (char 0)"
        raise ValueError(f"it is not valid JSON ({e.msg.lower()} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return from_json(data, current)


def read_file(data: bytes, current: MLPState | None = None) -> tuple[Config | None, list[str]]:
    """An uploaded file's configuration over ``current`` (None when it can't be loaded) and the messages to show,
    the first saying whether it loaded."""
    if len(data) > MAX_FILE_BYTES:
        return None, [f"That file can't be loaded: it is larger than {MAX_FILE_BYTES // 1000} kB."]
    try:
        cfg, warnings = from_text(data.decode("utf-8", "replace"), current)
    except ValueError as e:
        return None, [f"That file can't be loaded: {e}"]
    return cfg, ["Loaded the configuration." + (" Except:" if warnings else ""), *warnings]


def read_upload(upload, current: MLPState) -> tuple[Config | None, list[str]]:
    """``read_file`` of an uploaded file (Streamlit's UploadedFile; None when the upload was removed)."""
    return read_file(upload.getvalue(), current) if upload is not None else (None, [])


def _from_version_1(data: dict) -> tuple[dict, list[str]]:
    """Version 1's layout as version 2's: the network's settings move up a level; its sizes are derived now."""
    net, warnings = data.pop("net", {}), []
    if not isinstance(net, dict):
        warnings.append(f"The network's settings (net) were ignored: expected an object, got {type(net).__name__}.")
        net = {}
    for name, value in net.items():
        if name in _V1_NET:
            data[name] = value
        elif name not in _V1_DERIVED:
            warnings.append(f"Unknown setting {echo('net.' + str(name))} ignored.")
    return data, warnings


@dataclass(frozen=True)
class FileFormat:
    """The file format in the shape the share panel takes a page's settings in (``to_json`` / ``from_json``), so
    its JSON box shows and loads these files (without points: a link's box is no place for a table), over the
    page's ``current`` setup."""

    current: MLPState | None = None

    def to_json(self, state: MLPState) -> dict[str, Any]:
        return to_json(state)

    def from_json(self, data: Any) -> tuple[Config, list[str]]:
        return from_json(data, self.current)


FILE_FORMAT = FileFormat()
