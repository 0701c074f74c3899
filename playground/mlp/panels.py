"""The MLP lab's panels: which a teacher's link may hide or lock, their titles, and the export panel's downloads."""

from __future__ import annotations

from labs.mlp.export import numpy_script, torch_script

from . import config
from .figures import grad_norm_figure, gradient_histogram_figure
from .state import MLP_SPEC, MLPState
from .words import describe_histogram, describe_norms

CAN_HIDE = {"lessons": "lessons", "setup": "data, network and training settings", "export": "export and import",
            "landscape": "loss slice", "unroll": "unroll to scalars"}
CAN_LOCK = {"setup": "all settings"}
TITLES = {"landscape": "Loss slice around the current weights",
          "unroll": "Unroll to scalars: one sample's loss in the backprop stepper", "export": "Export and import"}


def downloads(trainer, state: MLPState, points: list[dict] | None) -> list[tuple[str, str, str, str, str | None]]:
    """(label, content, file name, MIME type, help) of each download: the model as a numpy or PyTorch script that
    trains as far as this one has (at least 10 updates), and the settings as JSON."""
    updates = max(trainer.updates, 10)
    what = f"Rebuilds this model, data and training, and runs {updates} updates."
    if trainer.rewound_at is not None:  # its settings (and mini-batches) changed there: a replay differs
        what = (f"Rebuilds this model and data, and runs {updates} updates with the current settings from the "
                f"start. This run was rewound at update {trainer.rewound_at} after the NaN trap, where its settings "
                "may have changed, so the script's weights can differ from the page's.")
    return [("numpy script", numpy_script(trainer, updates), "gradlab_mlp_numpy.py", "text/x-python", what),
            ("PyTorch script", torch_script(trainer, updates), "gradlab_mlp_torch.py", "text/x-python",
             what.replace("Rebuilds", "With torch.nn and torch.optim, rebuilds", 1)),
            ("configuration (JSON)", config.to_text(state, points), "gradlab_mlp.json", "application/json",
             "Every setting, and your own points when the data is yours.")]


def for_student(note: str | None, teacher) -> str | None:
    """A lesson's note as a student can follow it: with the settings locked or hidden by the teacher's link, the
    change a note suggests ("Add a layer of 8") is not theirs to make, and the note says so."""
    if note and (teacher.locks("setup") or not teacher.shows("setup")):
        return (f"{note} Your teacher has fixed the settings on this link, so any change the lesson suggests is "
                "theirs to make: train and watch what this setup does.")
    return note


def lesson(preset: dict) -> tuple[MLPState, str]:
    """What a lesson button loads: the lesson's settings, and its note."""
    return MLP_SPEC.from_query(preset["query"])[0], f"**{preset['name']}** — {preset['note']}"


def gradient_charts(trainer) -> list[tuple]:
    """The gradient norms per layer and the histogram of ∂L/∂w, each as (figure, its words, its chart key)."""
    return [(grad_norm_figure(trainer.history), describe_norms(trainer.history), "mlp_norms"),
            (gradient_histogram_figure(trainer), describe_histogram(trainer), "mlp_hist")]
