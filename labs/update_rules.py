"""The optimizer arithmetic on plain numpy arrays: the one copy of every update rule.

``labs.optim.Optimizer`` runs it on the engine's parameters, ``labs.mlp.train`` takes its mini-batch
order from here, and ``labs.mlp.export`` pastes these definitions verbatim into the exported training
scripts, so the app and a downloaded script cannot disagree. That is why this module imports only
math and numpy, and why every function takes its settings as an argument ``opt`` read by attribute
(``opt.lr``, ``opt.beta1``, ...): a ``labs.optim.OptimizerConfig`` here, the script's JSON there.

Conventions follow PyTorch (so exported code and textbook numbers agree). Two defaults, set in
``labs.optim.OptimizerConfig``, do not: RMSProp's ρ is 0.9 (torch.optim.RMSprop's alpha is 0.99) and
AdaGrad shares the one ε = 1e-8 (torch.optim.Adagrad's eps is 1e-10); the exported scripts pass both
explicitly, so they replay the app either way. For a parameter p with gradient g at iteration t
(1-based), learning rate η from the schedule:

    sgd        p ← p − η g
    momentum   v ← μ v + g;                      p ← p − η v
    nesterov   v ← μ v + g;                      p ← p − η (g + μ v)
    adagrad    G ← G + g²;                       p ← p − η g / (√G + ε)
    rmsprop    s ← ρ s + (1 − ρ) g²;             p ← p − η g / (√s + ε)
    adam       m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
               p ← p − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    adamw      adam with decoupled weight decay: p ← p − η λ p beside the adam step

Before the rule: gradients are clipped (by value to [−c, c], or rescaled so their global norm is
at most c), then L2 weight decay adds λ p to g ("l2"), or decoupled decay shrinks p ("decoupled").
"""

import math

import numpy as np


def learning_rate(opt, t):
    """η at iteration t (0-based) under the schedule."""
    if opt.schedule == "step":
        return opt.lr * opt.gamma ** (t // opt.step_every)
    if opt.schedule == "cosine":
        frac = min(t, opt.total) / opt.total
        return opt.min_lr + (opt.lr - opt.min_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))
    return opt.lr


def global_norm(arrays):
    return math.sqrt(sum(float(np.sum(a * a)) for a in arrays))


def clip_gradients(grads, opt):
    """Clipped copies of ``grads`` and whether clipping changed anything."""
    clipped = False
    if opt.clip_value is not None:
        new = [np.clip(g, -opt.clip_value, opt.clip_value) for g in grads]
        clipped = any(not np.array_equal(a, b) for a, b in zip(new, grads, strict=True))
        grads = new
    if opt.clip_norm is not None:
        norm = global_norm(grads)
        if norm > opt.clip_norm:  # no epsilon in the norm (unlike torch's clip_grad_norm_): exact rescaling
            grads = [g * (opt.clip_norm / norm) for g in grads]
            clipped = True
    return grads, clipped


# Each rule turns a gradient into the direction to step against (before × η) and returns its new
# state, which ``initial_state`` creates: nothing for sgd, two moments for adam, one array otherwise.
def sgd(opt, g, state, t):
    return g, state


def momentum(opt, g, v, t):
    v = opt.momentum * v + g
    return v, v


def nesterov(opt, g, v, t):
    v = opt.momentum * v + g
    return g + opt.momentum * v, v


def adagrad(opt, g, acc, t):
    acc = acc + g * g
    return g / (np.sqrt(acc) + opt.eps), acc


def rmsprop(opt, g, s, t):
    s = opt.rho * s + (1.0 - opt.rho) * g * g
    return g / (np.sqrt(s) + opt.eps), s


def adam(opt, g, mv, t):
    m = opt.beta1 * mv[0] + (1.0 - opt.beta1) * g
    v = opt.beta2 * mv[1] + (1.0 - opt.beta2) * g * g
    m_hat, v_hat = m / (1.0 - opt.beta1 ** t), v / (1.0 - opt.beta2 ** t)
    return m_hat / (np.sqrt(v_hat) + opt.eps), (m, v)


RULES = {"sgd": sgd, "momentum": momentum, "nesterov": nesterov, "adagrad": adagrad, "rmsprop": rmsprop,
         "adam": adam, "adamw": adam}  # adamw differs from adam only in how weight decay is applied


def initial_state(name, shape):
    if name == "sgd":
        return None
    if name in ("adam", "adamw"):
        return np.zeros(shape), np.zeros(shape)
    return np.zeros(shape)


def optimizer_step(opt, params, grads, states, t):
    """One update of every parameter at iteration t (1-based): clip, weight decay, the rule.

    Returns the new parameters, the steps subtracted, η and whether clipping changed anything. The
    parameters are new arrays (earlier values, e.g. a recorded path, stay intact); ``states`` (one per
    parameter, from ``initial_state``) is updated in place because the caller keeps it between steps.
    """
    lr = learning_rate(opt, t - 1)
    grads, clipped = clip_gradients(grads, opt)
    decoupled = opt.name == "adamw" or opt.decay_mode == "decoupled"
    new_params, steps = [], []
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if opt.weight_decay and not decoupled:
            g = g + opt.weight_decay * p
        direction, states[i] = RULES[opt.name](opt, g, states[i], t)
        step = lr * direction
        if opt.weight_decay and decoupled:
            step = step + lr * opt.weight_decay * p
        new_params.append(p - step)
        steps.append(step)
    return new_params, steps, lr, clipped


class MiniBatches:
    """The trainer's mini-batch order: a seeded shuffle, drawn ``size`` indices at a time and reshuffled
    whenever the epoch runs out (size 0, or the whole set or more: every index, every time). The last batch
    of an epoch holds what is left (10 of 210 points in batches of 50), as torch's DataLoader does by
    default: every point is seen once per epoch.

    The shuffle uses seed + 1 because the seed itself already drew the initial weights.
    """

    def __init__(self, n, size, seed):
        self.n, self.size = n, size or n
        self.rng = np.random.default_rng(seed + 1)
        self.order, self.cursor = np.empty(0, int), 0

    def next(self):
        if self.size >= self.n:
            return np.arange(self.n)
        if self.cursor >= len(self.order):
            self.order, self.cursor = self.rng.permutation(self.n), 0
        batch = self.order[self.cursor: self.cursor + self.size]
        self.cursor += self.size
        return batch
