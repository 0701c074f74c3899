"""Optimizers against their textbook formulas, and descent on loss surfaces."""

import math

import numpy as np
import pytest

from engine import var
from labs.optim import OPTIMIZERS, Optimizer, OptimizerConfig, learning_rate
from labs.surfaces import SURFACES, descend, evaluate_grid, surface_expression

# f(x, y) = x² + 3y², so g = (2x, 6y). Start (1, -2), η = 0.1.
QUADRATIC = "x**2 + 3*y**2"
START = (1.0, -2.0)


def grad(p):
    return [2 * p[0], 6 * p[1]]


def textbook(name, steps=3, lr=0.1, mu=0.9, rho=0.9, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    """Each rule written out per coordinate in plain Python, independent of labs.optim."""
    p, path = list(START), []
    s1, s2 = [0.0, 0.0], [0.0, 0.0]
    for t in range(1, steps + 1):
        g = grad(p)
        if name != "adamw":
            g = [gi + wd * pi for gi, pi in zip(g, p, strict=True)]
        for i in range(2):
            if name == "sgd":
                d = g[i]
            elif name in ("momentum", "nesterov"):
                s1[i] = mu * s1[i] + g[i]
                d = s1[i] if name == "momentum" else g[i] + mu * s1[i]
            elif name == "adagrad":
                s1[i] += g[i] ** 2
                d = g[i] / (math.sqrt(s1[i]) + eps)
            elif name == "rmsprop":
                s1[i] = rho * s1[i] + (1 - rho) * g[i] ** 2
                d = g[i] / (math.sqrt(s1[i]) + eps)
            else:  # adam, adamw
                s1[i] = b1 * s1[i] + (1 - b1) * g[i]
                s2[i] = b2 * s2[i] + (1 - b2) * g[i] ** 2
                d = (s1[i] / (1 - b1 ** t)) / (math.sqrt(s2[i] / (1 - b2 ** t)) + eps)
            decay = lr * wd * p[i] if name == "adamw" else 0.0
            p[i] = p[i] - lr * d - decay
        path.append(tuple(p))
    return path


def engine_path(cfg, steps=3):
    expression = surface_expression(QUADRATIC)
    return descend(expression, START, cfg, iterations=steps, tolerance=0.0).points[1:]


def same(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_first_three_updates_match_the_formula(name):
    same(engine_path(OptimizerConfig(name, lr=0.1)), textbook(name))


def test_hand_computed_values_on_x_squared():
    # f = x², x0 = 1, η = 0.1, μ = 0.9: worked out on paper.
    def run(name):
        return [p[0] for p in descend(surface_expression("x**2"), (1.0,), OptimizerConfig(name, lr=0.1),
                                      3, tolerance=0.0).points[1:]]
    assert run("sgd") == pytest.approx([0.8, 0.64, 0.512])
    assert run("momentum") == pytest.approx([0.8, 0.46, 0.062])
    assert run("nesterov") == pytest.approx([0.62, 0.2224, -0.108352])


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_weight_decay_variants(name):
    cfg = OptimizerConfig(name, lr=0.1, weight_decay=0.5)
    same(engine_path(cfg), textbook(name, wd=0.5))


def test_l2_and_decoupled_decay_differ_for_adam_only():
    l2 = engine_path(OptimizerConfig("adam", lr=0.1, weight_decay=0.5))
    decoupled = engine_path(OptimizerConfig("adam", lr=0.1, weight_decay=0.5, decay_mode="decoupled"))
    same(decoupled, engine_path(OptimizerConfig("adamw", lr=0.1, weight_decay=0.5)))
    assert not np.allclose(l2, decoupled)
    sgd_l2 = engine_path(OptimizerConfig("sgd", lr=0.1, weight_decay=0.5))
    sgd_dec = engine_path(OptimizerConfig("sgd", lr=0.1, weight_decay=0.5, decay_mode="decoupled"))
    same(sgd_l2, sgd_dec)  # identical for plain SGD, as the theory says


def test_clipping_by_value_and_by_norm():
    x = var(10.0, "x")
    x.grad = np.array(20.0)
    update = Optimizer([x], OptimizerConfig("sgd", lr=0.1, clip_value=1.0)).step()
    assert float(x.value) == pytest.approx(9.9) and update.clipped and update.grad_norm == 20.0
    a, b = var(3.0, "a"), var(4.0, "b")
    a.grad, b.grad = np.array(3.0), np.array(4.0)  # global norm 5
    Optimizer([a, b], OptimizerConfig("sgd", lr=1.0, clip_norm=1.0)).step()
    assert (float(a.value), float(b.value)) == pytest.approx((2.4, 3.2))
    c = var(1.0, "c")
    c.grad = np.array(0.5)
    assert not Optimizer([c], OptimizerConfig("sgd", lr=1.0, clip_norm=1.0)).step().clipped


def test_schedules():
    step = OptimizerConfig(lr=1.0, schedule="step", step_every=10, gamma=0.5)
    assert [learning_rate(step, t) for t in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    cosine = OptimizerConfig(lr=1.0, schedule="cosine", total=100, min_lr=0.1)
    assert learning_rate(cosine, 0) == 1.0 and learning_rate(cosine, 100) == pytest.approx(0.1)
    assert learning_rate(cosine, 50) == pytest.approx(0.55)


@pytest.mark.parametrize("bad", [dict(lr=0.0), dict(lr=-1.0), dict(lr=float("nan")), dict(name="sgdx"),
                                 dict(momentum=1.0), dict(clip_norm=0.0), dict(schedule="warp")])
def test_bad_settings_are_refused_in_words(bad):
    cfg = OptimizerConfig(**bad)
    assert cfg.problems()
    with pytest.raises(ValueError):
        Optimizer([var(1.0)], cfg)


@pytest.mark.parametrize("lr,steps", [(1.0, 10), (5.0, 2)])
def test_step_size_lesson_converges(lr, steps):
    run = descend(surface_expression("abs(x)"), (10.0,), OptimizerConfig("sgd", lr=lr), 100, min_value=0.0)
    assert run.status == "converged" and run.stopped_at == steps
    assert run.points[-1][0] == 0.0 and run.reached_tolerance_at == steps


def test_step_size_lesson_bounces_forever():
    run = descend(surface_expression("abs(x)"), (10.0,), OptimizerConfig("sgd", lr=11.0), 100, min_value=0.0)
    assert run.status == "never converges"
    assert [p[0] for p in run.points[:3]] == [10.0, -1.0, 10.0] and (run.cycle_from, run.period) == (0, 2)
    assert run.reached_tolerance_at is None


@pytest.mark.parametrize("name,lr,budget", [("adam", 0.05, 2000), ("momentum", 0.001, 3000)])
def test_rosenbrock_minimum_is_reached(name, lr, budget):
    surface = SURFACES["Rosenbrock"]
    run = descend(surface_expression(surface.expr), surface.start, OptimizerConfig(name, lr=lr), budget,
                  tolerance=1e-6, min_value=0.0)
    assert run.reached_tolerance_at is not None and run.reached_tolerance_at < budget
    assert run.points[-1] == pytest.approx([1.0, 1.0], abs=1e-2)


def test_sgd_with_too_large_a_step_diverges_and_says_when():
    surface = SURFACES["Rosenbrock"]
    run = descend(surface_expression(surface.expr), surface.start, OptimizerConfig("sgd", lr=0.01), 500)
    assert run.status == "diverged" and run.stopped_at is not None and run.stopped_at < 50
    assert str(run.stopped_at) in run.reason


def test_nan_on_the_path_is_divergence_not_a_crash():
    run = descend(surface_expression("sqrt(x)"), (1.0,), OptimizerConfig("sgd", lr=5.0), 20)
    assert run.status == "diverged" and "nan" in run.reason.lower()


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_vectorized_grid_equals_point_by_point(name):
    surface = SURFACES[name]
    expression = surface_expression(surface.expr)
    xs, ys, z = evaluate_grid(expression, surface.x_range, surface.y_range, resolution=7)
    for j, x in enumerate(xs):
        for i, y in enumerate(ys if ys is not None else [None]):
            point = {"x": x} if y is None else {"x": x, "y": y}
            root, _ = expression.build({v: point[v] for v in expression.variables})
            expected = z[j] if ys is None else z[i, j]
            assert float(root.value) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_surfaces_only_take_x_and_y():
    from engine import EngineError
    with pytest.raises(EngineError, match="x and y"):
        surface_expression("x + w")
    with pytest.raises(EngineError):
        surface_expression("3 + 4")


def test_a_surface_that_never_uses_x_still_has_two_coordinates():
    expression = surface_expression("y**2 + 1")
    run = descend(expression, (0.5, 2.0), OptimizerConfig("sgd", lr=0.25), iterations=20)
    assert run.points.shape[1] == 2 and run.grads.shape[1] == 2
    assert np.all(run.points[:, 0] == 0.5) and np.all(run.grads[:, 0] == 0.0)  # nothing pulls x
    assert run.points[1, 1] == pytest.approx(2.0 - 0.25 * 4.0)  # y follows -∂f/∂y = -2y


@pytest.mark.parametrize("setting,value,words", [
    ("gamma", -1.0, "gamma"), ("gamma", float("nan"), "gamma"),
    ("min_lr", -1.0, "minimum learning rate"), ("min_lr", float("nan"), "minimum learning rate"),
    ("eps", float("nan"), "eps"), ("weight_decay", float("nan"), "weight decay"),
    ("weight_decay", -0.1, "weight decay"), ("clip_norm", float("nan"), "clip_norm"),
])
def test_settings_that_would_turn_descent_into_ascent_are_refused(setting, value, words):
    problems = OptimizerConfig("sgd", lr=0.1, **{setting: value}).problems()
    assert any(words in p for p in problems), problems
    assert OptimizerConfig("sgd", lr=0.1).problems() == []
