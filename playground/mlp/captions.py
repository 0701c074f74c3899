"""What the MLP lab says in words about its training: the metrics, the gradient captions, the NaN trap and one
neuron's chain rule. Plain functions of the trainer's records; the page prints what they return."""

from __future__ import annotations

import math

from engine import formatting
from engine.formatting import format_number
from labs.mlp.train import REWIND_WINDOW, StepRecord
from labs.update_rules import learning_rate


def readable(x: float, digits: int = 3) -> str:
    """A number as people read it, short enough for a metric: 0.671, 12.3, 5.54 × 10⁻⁵, 3.1 × 10⁷."""
    return formatting.readable(x, digits)


def metrics(last: StepRecord | None) -> list[tuple[str, str]]:
    """The latest update's losses, and accuracies for a classifier, as (label, value) for the page's metrics
    (none before the first update)."""
    if last is None:
        return []
    out = [("train loss", readable(last.train_loss)),
           ("test loss", readable(last.test_loss) if last.test_loss is not None else "—")]
    if last.train_accuracy is not None:  # not of weights the NaN trap refused (their loss is inf or NaN): "—"
        shown = (lambda a: "—") if last.problem else (lambda a: f"{100 * a:.1f}%" if a is not None else "—")
        out += [("train accuracy", shown(last.train_accuracy)), ("test accuracy", shown(last.test_accuracy))]
    return out


def epochs(epoch: float) -> str:
    """Epochs as a whole number when whole (0, 5, 500), else to one decimal (2.4)."""
    text = f"{epoch:.1f}"
    return text.removesuffix(".0")


def times(x: float) -> str:
    """A ratio as people read it: 1,580×, 37×, 2.5×, 0.031×; NaN/inf spelled out."""
    if not math.isfinite(x):
        return format_number(x)
    return f"{x:,.0f}×" if 10 <= x < 1e7 else f"{readable(x, 2)}×"


def depth_ratios(history: list[StepRecord]) -> list[float]:
    """‖∂L/∂z‖ of the last layer ÷ that of layer 1 at every update: how much the gradient shrank (above 1) or
    grew (below 1) on its way back through the hidden layers."""
    return [r.signal_norms[-1] / r.signal_norms[0] if r.signal_norms[0] > 0 else math.inf for r in history]


def gradients_caption(history: list[StepRecord]) -> str:
    """Under the gradient charts: the last ÷ first layer ratio now and over the run, and the update ratios."""
    if not history:
        return "Train to see gradients: each layer's ‖∂L/∂z‖ and the histogram of ∂L/∂w appear after the first update."
    last, layers = history[-1], len(history[-1].signal_norms)
    ratios = ", ".join(f"L{i + 1} {readable(r, 2)}" for i, r in enumerate(last.update_ratios))
    text = f"Update : weight ratio per layer (healthy ≈ 0.001): {ratios}."
    recent = ", ".join(f"{r.update}: {readable(r.grad_norm, 2)}" for r in history[-3:])
    text = f"The whole gradient's norm ‖∂L/∂θ‖ (before any clipping) at updates {recent}. {text}"
    if layers < 2:
        return text
    over_time = [r for r in depth_ratios(history) if math.isfinite(r)]
    span = (f" Over updates 1–{last.update} it stayed between {times(min(over_time))} and {times(max(over_time))}."
            if over_time and len(history) > 1 else "")
    return (f"Layer {layers}'s ‖∂L/∂z‖ ÷ layer 1's = **{times(depth_ratios(history)[-1])}** at update "
            f"{last.update}.{span} {text}")


LOSS_BLOWN_UP = 1000  # a rewind point whose loss is this many times update 1's has weights that have blown up already


def nan_trap_message(halted: str, point: int, point_loss: float, first_loss: float | None = None) -> str:
    """The trap's message, with where a rewind goes: update ``point``, whose training loss was ``point_loss``
    (``first_loss``: update 1's, to say when that point has blown up already)."""
    halted = formatting.readable_text(halted, 2)  # 9.1e+178 → 9.1 × 10¹⁷⁸
    where = (f"update {point}, the lowest training loss ({readable(point_loss)}) of the last {REWIND_WINDOW} "
             "updates" if point else "the initial weights")
    if point and first_loss is not None and point_loss > LOSS_BLOWN_UP * first_loss:
        where += (f", already far above update 1's {readable(first_loss)}: the loss had been climbing for longer "
                  "than that, so no rewind here recovers, and Reset is the way back")
    return (f"NaN trap: {halted}. Training stopped. Rewind goes back to {where}. With the same settings it blows "
            "up again. Clipping the gradient's norm caps every step, which holds the NaN off, but not its cause: "
            "the steps stay too large, the loss can climb, and while a schedule keeps raising η the trap fires "
            "again. A smaller η treats the cause. Or Reset to start over.")


def rewind_buttons(point: int, clip: float, lowered_lr: float, failed: int, failed_lr: float,
                   scheduled: bool) -> list[tuple[str, str]]:
    """The rewind buttons' labels and what each changes (training.REWIND_*): the last sets η to ``lowered_lr``,
    a tenth of the ``failed_lr`` update ``failed`` used, and holds it (``scheduled``: it turns the schedule off);
    short, so that a third of a laptop's page shows it whole."""
    lower = f"Rewind; η {readable(failed_lr)} → {readable(lowered_lr)}" + (", schedule off" if scheduled else "")
    return [(f"Rewind to update {point}", "only"), (f"Rewind and clip ‖g‖ at {format_number(clip)}", "clip"),
            (lower, "lower")]


def eta_note(optimizer, iteration: int) -> str | None:
    """The η the next update uses when a schedule changes it from the η box's (``iteration``: updates so far,
    the optimizer's count), with the schedule that does; None for a constant η."""
    now, box = readable(learning_rate(optimizer, iteration)), readable(optimizer.lr)
    if optimizer.schedule == "step":
        every, times_so_far = optimizer.step_every, iteration // optimizer.step_every
        return (f"η now {now}: the step schedule multiplies the η box's {box} by {readable(optimizer.gamma)} "
                f"every {every} updates ({times_so_far} time{'s' * (times_so_far != 1)} so far; next at update "
                f"{(times_so_far + 1) * every + 1})")
    if optimizer.schedule == "cosine":
        return (f"η now {now}: the cosine schedule lowers the η box's {box} to {readable(optimizer.min_lr)} over "
                f"{optimizer.total} updates")
    return None


def neuron_caption(layer: int, neuron: int, info: dict, update: int) -> str:
    """Hidden neuron ``neuron`` (1-based) of ``layer`` with its gradients from lab.neuron_gradients, in words: one
    example's chain rule (the product of the printed factors is the printed downstream, to the printed digits),
    then the batch's gradient as the sum of the examples' downstreams."""
    n, up, local, down = info["batch"], info["upstream"], info["local"], info["downstream"]
    bias = f" — entry {neuron} of ∂L/∂b{layer}, this neuron's bias gradient" if info["bias"] else ""
    return (f"**Neuron {layer}.{neuron}**, example {info['example'] + 1} of the {n} in update {update}'s batch "
            f"(training point #{info['row'] + 1}): upstream ∂L/∂a = **{formatting.readable(up)}** × local ∂a/∂z = "
            f"**{formatting.readable(local)}** = downstream ∂L/∂z = **{formatting.readable(down)}**. "
            f"The loss is the mean over the batch, so each example's gradient carries a factor 1/{n}; adding the "
            f"{n} examples' downstream gradients gives the batch's ∂L/∂z = **{formatting.readable(info['batch_sum'])}**"
            f"{bias}. " + recursion_caption(layer, neuron, info["terms"], up))


LAYER_SUPERSCRIPT = str.maketrans("0123456789l−+", "⁰¹²³⁴⁵⁶⁷⁸⁹ˡ⁻⁺")


def _sup(layer: int | str) -> str:
    """A layer index as a superscript: ⁽³⁾, ⁽ˡ⁻¹⁾."""
    return f"⁽{str(layer).translate(LAYER_SUPERSCRIPT)}⁾"


def formulas(activations: tuple[str, ...], bias: bool, loss: str) -> str:
    """The network as formulas for its current architecture, forward and backward (Markdown). Rows are
    examples, as the engine computes them: z = a W + b with W of shape (inputs, outputs)."""
    layers = len(activations) + 1
    b = (lambda i: f" + b{_sup(i)}") if bias else (lambda i: "")
    f = "x"
    for i, act in enumerate((*activations, "linear"), start=1):
        f = f"{f if f == 'x' or f.endswith(')') or not bias else f'({f})'} W{_sup(i)}{b(i)}"  # (x W + b) W: a sum
        f = f if act == "linear" else f"{act}({f})"
    out = "softmax cross-entropy" if loss == "cross_entropy" else "mean squared error"
    last = _sup(layers)
    delta = (f"(softmax(z{last}) − y) ÷ N" if loss == "cross_entropy" else f"2(z{last} − y) ÷ (N × outputs)")
    lines = [f"**As formulas** (a row per example, W{_sup('l')} of shape inputs × outputs):",
             f"- f(x) = {f}",
             f"- forward: z{_sup('l')} = a{_sup('l−1')} W{_sup('l')}{' + b' + _sup('l') if bias else ''}, "
             f"a{_sup('l')} = act(z{_sup('l')}), a{_sup(0)} = x, and L is the {out} of z{_sup(layers)}",
             f"- backward, for a batch of N: δ{last} = ∂L/∂z{last} = {delta}; then layer by layer "
             f"δ{_sup('l')} = (δ{_sup('l+1')} W{_sup('l+1')}ᵀ) ⊙ act′(z{_sup('l')}), "
             f"∂L/∂W{_sup('l')} = a{_sup('l−1')}ᵀ δ{_sup('l')}" + (f", ∂L/∂b{_sup('l')} = Σ rows of δ{_sup('l')}"
                                                                    if bias else "")]
    return "\n".join(lines)


def recursion_caption(layer: int, neuron: int, terms: list[tuple[float, float]], upstream: float) -> str:
    """The δ recursion with this example's numbers: upstream ∂L/∂a of neuron ``neuron`` (1-based) of ``layer`` is
    Σₘ W_jm δ_m over the next layer's neurons (``terms`` = (W_jm, δ_m))."""
    shown = " + ".join(f"({formatting.readable(w)})({formatting.readable(d)})" for w, d in terms[:3])
    more = f" + … ({len(terms)} terms)" if len(terms) > 3 else ""
    nxt = _sup(layer + 1)
    return (f"Its upstream is the δ recursion, a sum over the next layer's neurons m: ∂L/∂a = "
            f"Σₘ W{nxt}[{neuron}, m] δ{nxt}[m] = {shown}{more} "
            f"= **{formatting.readable(upstream)}**.")
