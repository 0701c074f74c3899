"""gradlab benchmarks: engine cost as a ratio to plain numpy measured in the same process.

    python benchmarks/run.py          # a table
    python benchmarks/run.py --json   # the same figures as one JSON object

BLAS runs on one thread so the ratios compare Python overhead, not thread scheduling. The MLP step's three
versions (hand-written numpy, the engine eager, the engine replaying a ``Tape``) are timed in turns and in the
thread's CPU time, so that other work on a shared machine slows none of them more than the others.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from engine import Tape, apply, backward, const, forward_steps, var  # noqa: E402

SIZES = (2, 16, 16, 1)
POINTS = 200
LR = 0.05


def best_seconds(fn, number: int, repeat: int = 7) -> float:
    """Fastest mean time per call over several repeats: the least disturbed measurement."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def best_seconds_interleaved(fns: dict, number: int, repeat: int = 15) -> dict:
    """``best_seconds`` of several functions, timed in turns (a, b, c, a, b, c, ...) so that a load spike on a
    shared machine slows them alike rather than one of them: their ratios are what we compare."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            best[name] = min(best[name], timeit.Timer(fn, timer=time.thread_time).timeit(number) / number)
    return best


def _mlp_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(POINTS, SIZES[0]))
    y = np.sin(x[:, :1]) + 0.1 * rng.normal(size=(POINTS, 1))
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        params += [rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
    return x, y, params


def numpy_mlp_step(x, y, params):
    """Forward, backward and SGD update of the tanh MLP, written by hand in numpy."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    d = h2 @ w3 + b3 - y
    loss = np.mean(d * d)
    dp = 2.0 * d / d.size
    dz2 = (dp @ w3.T) * (1.0 - h2 * h2)
    dz1 = (dz2 @ w2.T) * (1.0 - h1 * h1)
    grads = (x.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ dp, dp.sum(0))
    for p, g in zip(params, grads, strict=True):
        p -= LR * g
    return loss


def engine_mlp_step(x, y, params):
    """The same step with engine tensor ops (graph rebuilt every step, as in eager frameworks)."""
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = apply("tanh", h)
    loss = apply("mse", h, y)
    backward(loss)
    for p in params:
        p.value -= LR * p.grad
    return loss


def taped_mlp_step(tape: Tape, params):
    """The same step replaying a graph recorded once (``Tape``): no nodes built, nothing re-sorted."""
    tape.forward()
    tape.backward()
    for p in params:
        p.value -= LR * p.grad
    return tape.root


def bench_mlp() -> dict:
    x, y, raw = _mlp_data()
    numpy_params = [p.copy() for p in raw]
    engine_params = [var(p.copy(), f"p{i}") for i, p in enumerate(raw)]
    taped_params = [var(p.copy(), f"p{i}") for i, p in enumerate(raw)]
    xc, yc = const(x, "X"), const(y, "y")
    tape = Tape(engine_mlp_step(xc, yc, taped_params))  # records the graph (and takes the first step)
    numpy_mlp_step(x, y, numpy_params), engine_mlp_step(xc, yc, engine_params)
    # Same start, same steps: the three must agree, or the ratios would compare different work.
    for _ in range(3):
        ref = numpy_mlp_step(x, y, numpy_params)
        got = float(engine_mlp_step(xc, yc, engine_params).value)
        taped = float(taped_mlp_step(tape, taped_params).value)
        assert abs(ref - got) <= 1e-12 * max(1.0, abs(ref)) and abs(ref - taped) <= 1e-12 * max(1.0, abs(ref))
    times = best_seconds_interleaved({"numpy": lambda: numpy_mlp_step(x, y, numpy_params),
                                      "engine": lambda: engine_mlp_step(xc, yc, engine_params),
                                      "tape": lambda: taped_mlp_step(tape, taped_params)}, 100)
    t_numpy, t_engine, t_tape = times["numpy"], times["engine"], times["tape"]
    return {"numpy_us": t_numpy * 1e6, "engine_us": t_engine * 1e6, "ratio": t_engine / t_numpy,
            "taped_us": t_tape * 1e6, "taped_ratio": t_tape / t_numpy}


def _chain(length: int):
    """A scalar chain of ``length`` op nodes: alternating sin and scaled adds."""
    x = var(0.3, "x")
    y = x
    for i in range(length // 2):
        y = apply("sin", y) * 0.5 + 0.1 * (i % 3)
    return x, y


def bench_chain(length: int, number: int) -> dict:
    build_and_backward = best_seconds(lambda: backward(_chain(length)[1]), number, repeat=3)
    _, root = _chain(length)
    replay = best_seconds(lambda: (list(forward_steps(root)), backward(root)), number, repeat=3)
    plain = best_seconds(lambda: _numpy_chain(length), number, repeat=3)
    return {"nodes": length, "build_and_backward_ms": build_and_backward * 1e3,
            "forward_steps_and_backward_ms": replay * 1e3, "numpy_forward_only_ms": plain * 1e3}


def _numpy_chain(length: int) -> float:
    y = np.float64(0.3)
    for i in range(length // 2):
        y = np.sin(y) * 0.5 + 0.1 * (i % 3)
    return y


# 30 op nodes: a small two-neuron network with a squared error, as a learner might type it.
THIRTY_NODE_EXPR = ("(tanh(w1*x1 + w2*x2 + b1) * v1 + sigmoid(w3*x1 + w4*x2 + b2) * v2 - y) ** 2"
                    " + 0.01 * (w1*w1 + w2*w2 + w3*w3 + w4*w4 + b1*b1 + b2*b2 + v1*v1)")


def bench_stepper_rerun() -> dict:
    """Server-side time of one stepper page rerun at a backward step (Streamlit AppTest, no browser)."""
    import logging

    from engine import parse
    from playground.stepper.graph_figure import graph_dot
    from playground.stepper.walkthrough import build_walkthrough
    from tests.apptest import open_page

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    expression = parse(THIRTY_NODE_EXPR)
    values = {name: str(0.1 * (i + 1)) for i, name in enumerate(expression.variables)}
    walk = build_walkthrough(THIRTY_NODE_EXPR, values)
    assert len(walk.forward) == 30
    step = len(walk.forward) + 5
    at = open_page("stepper/view.py", expr=THIRTY_NODE_EXPR, at=";".join(f"{k}={v}" for k, v in values.items()),
                   step=str(step))
    rerun = best_seconds(lambda: at.run(), number=5, repeat=3)
    model_and_dot = best_seconds(lambda: graph_dot(w := build_walkthrough(THIRTY_NODE_EXPR, values),
                                                   w.view(step)).source, number=20, repeat=3)
    return {"op_nodes": len(walk.forward), "page_rerun_ms": rerun * 1e3,
            "walkthrough_and_dot_ms": model_and_dot * 1e3}


def bench_grid() -> dict:
    """A 200×200 grid of a typed surface, in units of one scalar evaluation of the same expression
    (a per-point loop would cost 40,000 of them)."""
    from labs.surfaces import evaluate_grid, surface_expression

    results = {}
    for name, text in (("rosenbrock", "(1 - x)**2 + 100*(y - x**2)**2"),
                       ("rastrigin", "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)")):
        expression = surface_expression(text)
        scalar = best_seconds(lambda e=expression: e.build({"x": 0.3, "y": -0.2}), 500)
        grid = best_seconds(lambda e=expression: evaluate_grid(e, (-2, 2), (-1, 3), 200), 20)
        results[f"{name}_grid_ms"] = grid * 1e3
        results[f"{name}_scalar_evaluations"] = grid / scalar
    return results


def bench_mlp_frame() -> dict:
    """One server run of the MLP lab while it plays: the next batch of updates with its snapshots and the two
    animated charts the browser then plays (playground.mlp.training.Training.frame, animation.charts), without
    Streamlit; and a whole page rerun via AppTest."""
    import logging

    from playground.mlp import animation
    from playground.mlp.state import MLPState
    from playground.mlp.training import Training
    from tests.apptest import open_page

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    training = Training()
    training.build(MLPState(), None)
    trainer, data = training.trainer, training.data
    trainer.run(100)

    def frame():
        training.set_playing(True, trainer.updates + 10 ** 6)
        training.frame(trainer.updates + 10 ** 6)
        return animation.charts(trainer, data, training.batch, False)

    update = best_seconds(lambda: trainer.run(1), 50, repeat=3)
    frame_time = best_seconds(frame, 10, repeat=3)
    at = open_page("mlp/view.py")
    at.button(key="mlp_step100").click().run()
    rerun = best_seconds(lambda: at.run(), 3, repeat=3)
    return {"update_with_stats_ms": update * 1e3, "play_batch_and_charts_ms": frame_time * 1e3,
            "page_rerun_ms": rerun * 1e3}


BENCHMARKS = {
    "mlp_step": bench_mlp,
    "chain_1k": lambda: bench_chain(1_000, 20),
    "chain_100k": lambda: bench_chain(100_000, 1),
    "stepper_rerun": bench_stepper_rerun,
    "surface_grid": bench_grid,
    "mlp_frame": bench_mlp_frame,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run just these")
    args = parser.parse_args()
    results = {name: BENCHMARKS[name]() for name in (args.only or BENCHMARKS)}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, figures in results.items():
        print(name)
        for key, value in figures.items():
            print(f"  {key:32s} {value:12.3f}" if isinstance(value, float) else f"  {key:32s} {value:>12}")


if __name__ == "__main__":
    main()
