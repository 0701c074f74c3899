"""The op registry: every op is one record holding its forward, its derivative and its formulas.

Parser, engine, UI legend and gradient-check tests are all driven from ``OPS``. Elementwise ops state
their *local* derivative per input (``local``), so the stepper can print it and the engine forms
``downstream = upstream * local``. Ops whose derivative is not elementwise (matmul, reductions,
reshapes, losses) state a vector-Jacobian product per input (``vjp``) instead.

Inputs are named ``x`` (unary) or ``a, b`` (binary) in the formulas. Forward functions run under
``np.errstate(all="ignore")`` (``node.evaluate`` sees to it): a domain error gives NaN/inf, and
``domain`` explains it. A ``vjp`` returns a new writable array or a view of its ``g``, never a
read-only broadcast nor an input's value.

Where the maths leaves a derivative undefined (a tie in max/min, relu at 0, 0 ** b), the record
states the value chosen and why (``convention``), and ``at_convention`` says where it applies; a
backward step that used it carries that text as ``BackwardStep.note``. The choices are PyTorch's,
checked against torch in tests/test_kinks.py:

    max(a, b), min(a, b) with a = b   half the gradient to each input   (torch.maximum: 0.5, 0.5)
    relu(x) at x = 0                  0                                 (torch.relu: 0)
    abs(x) at x = 0                   0 = sign(0)                       (torch.abs: 0)
    leaky_relu(x) at x = 0            0.01, the left slope              (leaky_relu: 0.01)
    a ** b at a = 0                   d/da = 0 when b = 0, d/db = 0 when b >= 0   (torch.pow: same)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


@dataclass(frozen=True)
class Op:
    name: str  # registry key, and the function name in expressions
    arity: int
    forward: Callable[..., Array]
    symbol: str  # short label drawn on the graph node
    latex: str  # forward formula, e.g. r"a \cdot b"
    local_latex: tuple[str, ...]  # derivative w.r.t. each input, as shown to learners
    local: tuple[Callable[..., Array], ...] | None = None  # elementwise d out/d input_i (out, *xs)
    vjp: tuple[Callable[..., Array], ...] | None = None  # (g, out, *xs, **attrs) -> grad of input_i
    domain: Callable[..., str | None] | None = None  # why inputs give a non-finite result
    kink: Callable[..., Array] | None = None  # distance of each element to a non-smooth point
    convention: str | None = None  # the derivative chosen where it is undefined, and why, for learners
    at_convention: tuple[Callable[..., Array], ...] | None = None  # per input: True where it decides
    # that input's derivative (default: where kink == 0, for every input)
    sample: Callable[..., tuple[Array, ...]] | None = None  # inputs inside the domain (tests)
    test_shapes: tuple[tuple[tuple[int, ...], ...], ...] = ()  # input shapes for gradient checks
    infix: str | None = None  # Python operator spelling, if any
    callable_in_expressions: bool = True  # may be written as name(...) in the parser
    gate: str | None = None  # the classic gate pattern this op illustrates
    args: tuple[str, ...] = ()  # what latex and local_latex call each input (default: x, or a and b)


OPS: dict[str, Op] = {}

UNARY_SHAPES = (((),), ((4,),), ((2, 3),))
BINARY_SHAPES = (((), ()), ((3,), ()), ((2, 3), (3,)), ((2, 1), (1, 3)))


def register(op: Op) -> Op:
    assert op.name not in OPS, f"op {op.name} registered twice"
    assert (op.local is None) != (op.vjp is None), f"{op.name}: give exactly one of local / vjp"
    assert len(op.local or op.vjp) == op.arity == len(op.local_latex), op.name
    assert (op.convention is None) == (op.at_convention is None and op.kink is None), op.name
    if not op.test_shapes:
        object.__setattr__(op, "test_shapes", UNARY_SHAPES if op.arity == 1 else BINARY_SHAPES)
    if not op.args:
        object.__setattr__(op, "args", ("x",) if op.arity == 1 else ("a", "b"))
    assert len(op.args) == op.arity, op.name
    if op.at_convention is None and op.kink is not None:
        kink = op.kink
        object.__setattr__(op, "at_convention", (lambda *xs: kink(*xs) == 0,) * op.arity)
    assert op.at_convention is None or len(op.at_convention) == op.arity, op.name
    OPS[op.name] = op
    return op


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient back to the shape of an input that numpy broadcast. The only place we undo it."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:  # np.add.reduce is what ndarray.sum calls, without its Python wrapper: the same sums, sooner
        grad = np.asarray(np.add.reduce(grad, axis=0 if extra == 1 else tuple(range(extra))))  # 0-d: an array
    if 1 in shape:
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        if stretched:
            grad = np.add.reduce(grad, axis=stretched, keepdims=True)
    return grad


# --- samplers for gradient checks: inputs safely inside each op's domain and away from kinks ---

def _normal(rng, *shapes):
    return tuple(rng.normal(size=s) for s in shapes)


def _positive(rng, *shapes):
    return tuple(rng.uniform(0.5, 2.0, size=s) for s in shapes)


def _away_from_zero(rng, *shapes):
    return tuple(rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.2, 2.0, size=s) for s in shapes)


def _apart(rng, sa, sb):
    """Inputs on two interleaved grids (integers vs half-integers, jittered by < 0.2): never tied."""
    a = rng.integers(-3, 3, size=sa) + rng.uniform(-0.2, 0.2, size=sa)
    b = rng.integers(-3, 3, size=sb) + 0.5 + rng.uniform(-0.2, 0.2, size=sb)
    return np.asarray(a, dtype=float), np.asarray(b, dtype=float)


def _divisible(rng, sa, sb):
    return rng.normal(size=sa), _away_from_zero(rng, sb)[0]


def _power(rng, sa, sb):
    return rng.uniform(0.5, 2.0, size=sa), rng.normal(size=sb)


def _nonpositive_reason(x, what):
    if np.any(x < 0):
        return f"{what} of a negative number is undefined (NaN)"
    if np.any(x == 0):
        return f"{what} of zero is infinite"
    return None


def _overflow(name):
    return lambda *xs: f"{name} overflowed float64 (result too large)"


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))  # never overflows: exp of a non-positive number
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# --- elementwise binary ops: the add / mul / max gates of the course ---

register(Op("add", 2, np.add, "+", "a + b", ("1", "1"),
            local=(lambda out, a, b: 1.0, lambda out, a, b: 1.0),
            infix="+", gate="add: distributes the upstream gradient unchanged to every input"))
register(Op("sub", 2, np.subtract, "−", "a - b", ("1", "-1"),
            local=(lambda out, a, b: 1.0, lambda out, a, b: -1.0),
            infix="-"))
register(Op("mul", 2, np.multiply, "×", r"a \cdot b", ("b", "a"),
            local=(lambda out, a, b: np.broadcast_to(b, out.shape),
                   lambda out, a, b: np.broadcast_to(a, out.shape)),
            infix="*", gate="mul: swaps its inputs — each gets upstream × the other input"))
register(Op("div", 2, np.divide, "÷", r"\frac{a}{b}", (r"\frac{1}{b}", r"-\frac{a}{b^2}"),
            local=(lambda out, a, b: np.broadcast_to(1.0 / b, out.shape),
                   lambda out, a, b: -out / b),
            domain=lambda a, b: "division by zero" if np.any(b == 0) else None,
            sample=_divisible, infix="/"))


def _pow_d_base(out, a, b):
    # b a^(b-1); where b = 0 the output is the constant 1, so 0, even at a = 0 (0 * 0^-1 is NaN).
    zero = b == 0
    return np.where(zero, 0.0, b * np.power(np.where(zero, 1.0, a), b - 1.0))


def _pow_d_exponent(out, a, b):
    # a^b ln a, real only for a > 0 (NaN below). At a = 0 it is 0 for b >= 0, the limit from a > 0,
    # and -inf for b < 0 (inf times ln 0), as in PyTorch; nothing here takes the log of 0 or less.
    safe_log = np.log(np.where(a > 0, a, 1.0))
    at_zero = np.where(b >= 0, 0.0, -np.inf)
    return np.where(a > 0, out * safe_log, np.where(a == 0, at_zero, np.nan))


register(Op("pow", 2, np.power, "^", "a^{b}", (r"b\,a^{b-1}", r"a^{b}\ln a"),
            local=(_pow_d_base, _pow_d_exponent),
            domain=lambda a, b: ("a negative number to a fractional power is undefined (NaN)"
                                 if np.any((a < 0) & (b != np.round(b))) else
                                 "zero to a negative power is infinite" if np.any((a == 0) & (b < 0))
                                 else "power overflowed float64 (result too large)"),
            convention="0 ** b: at a = 0 the formulas b·a^(b−1) and a^b·ln a break down (0·∞, ln 0). The "
                       "engine takes ∂/∂a = 0 when b = 0, since a^0 = 1 for every a, and ∂/∂b = 0 when b ≥ 0, "
                       "since 0^b = 0 for every b > 0 (at b = 0 itself 0^b jumps to 1, and 0 is the choice of "
                       "PyTorch and JAX)",
            at_convention=(lambda a, b: (a == 0) & (b == 0), lambda a, b: (a == 0) & (b >= 0)),
            sample=_power, infix="**"))


def _tie(name):
    return (f"tie: {name}(a, b) with a = b sends half the gradient to each input (as torch.{name}imum "
            f"and jnp.{name}imum do): any split that adds up to the whole is a valid subgradient, and the "
            f"even one favours neither input")


register(Op("max", 2, np.maximum, "max", r"\max(a, b)",
            (r"[a > b] + \tfrac{1}{2}[a = b]", r"[a < b] + \tfrac{1}{2}[a = b]"),
            local=(lambda out, a, b: np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)),
                   lambda out, a, b: np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0))),
            kink=lambda a, b: np.abs(a - b), sample=_apart,
            convention=_tie("max") + ". relu(x) is not max(x, 0) here: at x = 0, relu′(0) = 0 sends x nothing",
            gate="max: routes the whole upstream gradient to the larger input (a tie splits it evenly)"))
register(Op("min", 2, np.minimum, "min", r"\min(a, b)",
            (r"[a < b] + \tfrac{1}{2}[a = b]", r"[a > b] + \tfrac{1}{2}[a = b]"),
            local=(lambda out, a, b: np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)),
                   lambda out, a, b: np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))),
            kink=lambda a, b: np.abs(a - b), sample=_apart, convention=_tie("min"),
            gate="min: routes the whole upstream gradient to the smaller input (a tie splits it evenly)"))

# --- elementwise unary ops ---

register(Op("neg", 1, np.negative, "−", "-x", ("-1",),
            local=(lambda out, x: -1.0,), callable_in_expressions=False))
register(Op("exp", 1, np.exp, "exp", "e^{x}", ("e^{x}",),
            local=(lambda out, x: out,), domain=_overflow("exp")))
register(Op("log", 1, np.log, "log", r"\ln x", (r"\frac{1}{x}",),
            local=(lambda out, x: 1.0 / x,), domain=lambda x: _nonpositive_reason(x, "log"),
            sample=_positive))
register(Op("sqrt", 1, np.sqrt, "√", r"\sqrt{x}", (r"\frac{1}{2\sqrt{x}}",),
            local=(lambda out, x: 0.5 / out,),
            domain=lambda x: "sqrt of a negative number is undefined (NaN)" if np.any(x < 0) else None,
            sample=_positive))
register(Op("abs", 1, np.abs, "|x|", "|x|", (r"\operatorname{sign}(x)",),
            local=(lambda out, x: np.sign(x),), kink=np.abs, sample=_away_from_zero,
            convention="|x| has no slope at x = 0; it is taken as sign(0) = 0 (as in PyTorch and JAX), so no "
                       "gradient passes"))
register(Op("sin", 1, np.sin, "sin", r"\sin x", (r"\cos x",), local=(lambda out, x: np.cos(x),)))
register(Op("cos", 1, np.cos, "cos", r"\cos x", (r"-\sin x",), local=(lambda out, x: -np.sin(x),)))
register(Op("tanh", 1, np.tanh, "tanh", r"\tanh x", (r"1 - \tanh^2 x",),
            local=(lambda out, x: 1.0 - out * out,)))
register(Op("sigmoid", 1, _stable_sigmoid, "σ", r"\sigma(x) = \frac{1}{1 + e^{-x}}",
            (r"\sigma(x)\,(1 - \sigma(x))",), local=(lambda out, x: out * (1.0 - out),)))
register(Op("relu", 1, lambda x: np.maximum(x, 0.0), "relu", r"\max(0, x)", (r"[x > 0]",),
            local=(lambda out, x: (x > 0) * np.ones_like(out),), kink=np.abs,
            convention="relu has no slope at x = 0; relu′(0) is taken as 0 (as in PyTorch and JAX), so no "
                       "gradient passes. max(x, 0) at x = 0 is a tie instead, and sends half of it to x",
            sample=_away_from_zero))
register(Op("leaky_relu", 1, lambda x: np.where(x > 0, x, LEAKY_SLOPE * x), "lrelu",
            r"\begin{cases} x & x > 0 \\ 0.01\,x & x \le 0 \end{cases}",
            (r"\begin{cases} 1 & x > 0 \\ 0.01 & x \le 0 \end{cases}",),
            local=(lambda out, x: np.where(x > 0, 1.0, LEAKY_SLOPE) * np.ones_like(out),),
            kink=np.abs, sample=_away_from_zero,
            convention="leaky_relu has no slope at x = 0; it is taken as 0.01, the slope on the left (as in "
                       "PyTorch)"))
register(Op("elu", 1, lambda x: np.where(x > 0, x, ELU_ALPHA * np.expm1(np.minimum(x, 0.0))), "elu",
            r"\begin{cases} x & x > 0 \\ e^{x} - 1 & x \le 0 \end{cases}",
            (r"\begin{cases} 1 & x > 0 \\ e^{x} & x \le 0 \end{cases}",),
            local=(lambda out, x: np.where(x > 0, 1.0, out + ELU_ALPHA),)))
register(Op("softplus", 1, lambda x: np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))), "softplus",
            r"\ln(1 + e^{x})", (r"\sigma(x)",), local=(lambda out, x: _stable_sigmoid(x),)))

# --- tensor ops: derivatives as vector-Jacobian products ---


def _as_matrices(a, b):
    """View 1-D matmul operands as a row (left) and a column (right), like numpy does."""
    return (a if a.ndim == 2 else a[None, :]), (b if b.ndim == 2 else b[:, None])


def _matmul_grad_a(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:  # the common case (every layer of an MLP) needs no reshaping
        return g @ b.T
    a2, b2 = _as_matrices(a, b)
    return (g.reshape(a2.shape[0], b2.shape[1]) @ b2.T).reshape(a.shape)


def _matmul_grad_b(g, out, a, b):
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ g
    a2, b2 = _as_matrices(a, b)
    return (a2.T @ g.reshape(a2.shape[0], b2.shape[1])).reshape(b.shape)


def _matmul(a, b):
    if a.ndim > 2 or b.ndim > 2:  # numpy would batch these; our gradient rules are for 1-D/2-D
        raise ValueError("matmul takes 1-D or 2-D operands")
    return np.matmul(a, b)  # raises ValueError itself for a 0-d operand or mismatched inner sizes


def _reduced_count(x, axis):
    return x.size if axis is None else np.prod([x.shape[i] for i in np.atleast_1d(axis)])


def _expand(g, x, axis):
    """Broadcast a reduced gradient back over the axes the reduction removed (a read-only view)."""
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, x.shape)


def _mse(pred, target):
    d = pred - target
    return np.mean(d * d)


def _mse_grad(scale, a, b):
    """scale (a - b) / n, with the scalar factors multiplied first: one pass over the array, not three."""
    d = a - b  # of the broadcast shape: its size is n
    return d * (scale / d.size)


def _log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)  # log-sum-exp trick: never overflows
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _batch(z):
    return 1 if z.ndim < 2 else z.shape[0]


def _softmax_ce(logits, labels):
    if logits.shape != labels.shape or logits.ndim not in (1, 2):
        raise ValueError(f"softmax_cross_entropy needs logits and one-hot labels of the same "
                         f"1-D or 2-D shape, got {logits.shape} and {labels.shape}")
    return -np.sum(labels * _log_softmax(logits)) / _batch(logits)


def _ce_grad_logits(g, out, z, y):
    p = np.exp(_log_softmax(z))
    return g * (p * np.sum(y, axis=-1, keepdims=True) - y) / _batch(z)


def _logits_and_labels(rng, shape, _):
    """Spread-out logits and label rows that are probability distributions."""
    return rng.normal(size=shape) * 3.0, rng.dirichlet(np.ones(shape[-1]), shape[:-1] or None).reshape(shape)


MATMUL_SHAPES = (((3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)), ((4,), (4,)))
register(Op("matmul", 2, _matmul, "@", "A B", (r"\bar{G} B^{\top}", r"A^{\top} \bar{G}"),
            vjp=(_matmul_grad_a, _matmul_grad_b), test_shapes=MATMUL_SHAPES, infix="@", args=("A", "B")))
register(Op("sum", 1, lambda x, axis=None: np.sum(x, axis=axis), "Σ", r"\sum_i x_i", ("1",),
            vjp=(lambda g, out, x, axis=None: np.array(_expand(g, x, axis)),)))  # a writable copy
register(Op("mean", 1, lambda x, axis=None: np.mean(x, axis=axis), "mean", r"\frac{1}{n}\sum_i x_i",
            (r"\frac{1}{n}",),
            vjp=(lambda g, out, x, axis=None: _expand(g, x, axis) / _reduced_count(x, axis),)))
register(Op("transpose", 1, np.transpose, "ᵀ", r"X^{\top}", (r"\bar{G}^{\top}",),
            vjp=(lambda g, out, x: np.transpose(g),), args=("X",)))
register(Op("reshape", 1, lambda x, shape: np.reshape(x, shape), "reshape", r"\operatorname{reshape}(X)",
            (r"\operatorname{reshape}(\bar{G})",),
            vjp=(lambda g, out, x, shape: np.reshape(g, x.shape),),
            test_shapes=(((2, 3),),), callable_in_expressions=False, args=("X",)))
register(Op("mse", 2, _mse, "MSE", r"\frac{1}{n}\sum_i (a_i - b_i)^2",
            (r"\frac{2}{n}(a - b)", r"-\frac{2}{n}(a - b)"),
            vjp=(lambda g, out, a, b: _mse_grad(2.0 * g, a, b), lambda g, out, a, b: _mse_grad(-2.0 * g, a, b)),
            test_shapes=(((4,), (4,)), ((3, 2), (3, 2)), ((3, 2), (2,)))))
register(Op("softmax_cross_entropy", 2, _softmax_ce, "CE",
            r"-\frac{1}{N}\sum_{n,c} y_{nc} \log \operatorname{softmax}(z_n)_c",
            (r"\frac{1}{N}(\operatorname{softmax}(z) - y)", r"-\frac{1}{N}\log \operatorname{softmax}(z)"),
            vjp=(_ce_grad_logits, lambda g, out, z, y: -g * _log_softmax(z) / _batch(z)),
            sample=_logits_and_labels,
            test_shapes=(((5,), (5,)), ((4, 3), (4, 3))), args=("z", "y")))

# Attribute defaults used when tests or the parser call an op without explicit attributes.
TEST_ATTRS: dict[str, dict] = {"reshape": {"shape": (3, 2)}}
