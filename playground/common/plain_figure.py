"""A Plotly figure that also carries plain-dict traces and animation frames: the surface lab's paths and frames,
the MLP lab's Play batches. No Streamlit import."""

from __future__ import annotations

import plotly.graph_objects as go


class PlainFigure(go.Figure):
    """A Plotly figure that also carries traces and animation frames as plain dicts, which Plotly's checking classes
    take tenths of a second to build when there are hundreds of them. They are sent with the figure (Streamlit
    reads a figure through ``to_dict()``); ``data`` and ``layout`` are the checked part only."""

    def __init__(self, *args, **kwargs):
        self._more, self._frame_specs = [], []
        super().__init__(*args, **kwargs)

    def add_plain(self, traces: list[dict] = (), frames: list[dict] = ()) -> PlainFigure:
        self._more += traces
        self._frame_specs += frames
        return self

    @property
    def plain_frames(self) -> list[dict]:
        return self._frame_specs

    def to_dict(self) -> dict:
        spec = super().to_dict()
        spec["data"] += self._more
        return spec | ({"frames": self._frame_specs} if self._frame_specs else {})
