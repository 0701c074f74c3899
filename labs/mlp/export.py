"""Export a training setup: a runnable numpy script, a runnable PyTorch script, and a JSON config.

The scripts embed the (featurized) data and the *initial* weights, replay the same mini-batch order
and print the training loss after each update as one JSON line, so a test can compare them with the
engine. The JSON config holds only settings (no data, no weights) and loads back into the app.
"""

from __future__ import annotations

import dataclasses
import json

from labs.optim import OptimizerConfig

from .nn import NetConfig
from .train import TrainConfig, Trainer

CONFIG_VERSION = 1


def config_to_json(cfg: TrainConfig, extra: dict | None = None) -> str:
    data = {"gradlab": CONFIG_VERSION, **dataclasses.asdict(cfg), **(extra or {})}
    return json.dumps(data, indent=2)


def config_from_json(text: str) -> tuple[TrainConfig, dict]:
    """The TrainConfig in a JSON export, and the other keys (dataset settings). Raises ValueError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, dict) or data.get("gradlab") != CONFIG_VERSION:
        raise ValueError("not a gradlab configuration (no 'gradlab': 1 key)")
    try:
        net = NetConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.pop("net").items()})
        optimizer = OptimizerConfig(**data.pop("optimizer"))
        keys = {f.name for f in dataclasses.fields(TrainConfig)} - {"net", "optimizer"}
        fields = {k: tuple(data.pop(k)) if k == "features" else data.pop(k) for k in keys if k in data}
        cfg = TrainConfig(net=net, optimizer=optimizer, **fields)
    except (KeyError, TypeError) as e:
        raise ValueError(f"the configuration is incomplete or has unknown settings ({e})") from None
    problems = cfg.problems()
    if problems:
        raise ValueError("; ".join(problems))
    data.pop("gradlab", None)
    return cfg, data


def _payload(trainer: Trainer, updates: int) -> str:
    cfg = trainer.cfg
    payload = {
        "sizes": list(cfg.net.sizes), "activations": list(cfg.net.activations), "bias": cfg.net.bias,
        "loss": cfg.loss, "l1": cfg.l1, "l2": cfg.l2, "batch_size": cfg.batch_size, "seed": cfg.seed,
        "optimizer": dataclasses.asdict(cfg.optimizer), "updates": updates,
        "x_train": trainer.x_train.tolist(), "y_train": trainer.y_train.tolist(),
        "initial": [p.tolist() for p in trainer.initial],
    }
    return json.dumps(payload)


_NUMPY_SCRIPT = '''"""A {sizes} MLP trained with {optimizer}: exported from gradlab. Needs only numpy."""
import json
import math

import numpy as np

SETUP = json.loads(r"""{payload}""")
X = np.array(SETUP["x_train"])
Y = np.array(SETUP["y_train"])
PARAMS = [np.array(p, dtype=float) for p in SETUP["initial"]]
STEP = 2 if SETUP["bias"] else 1
OPT = SETUP["optimizer"]


def act(name, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return z


def dact(name, z, a):
    return {{"relu": (z > 0) * 1.0, "leaky_relu": np.where(z > 0, 1.0, 0.01), "elu": np.where(z > 0, 1.0, a + 1.0),
            "tanh": 1.0 - a * a, "sigmoid": a * (1.0 - a)}}.get(name, np.ones_like(z))


def loss_and_grads(params, x, y):
    acts = SETUP["activations"] + ["linear"]
    hs, zs = [x], []
    for i, name in zip(range(0, len(params), STEP), acts):
        z = hs[-1] @ params[i] + (params[i + 1] if SETUP["bias"] else 0.0)
        zs.append(z)
        hs.append(act(name, z))
    out = hs[-1]
    if SETUP["loss"] == "cross_entropy":
        shifted = out - out.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -np.sum(y * logp) / len(x)
        d = (np.exp(logp) * y.sum(axis=1, keepdims=True) - y) / len(x)
    else:
        diff = out - y
        loss = np.mean(diff * diff)
        d = 2.0 * diff / diff.size
    grads = [None] * len(params)
    for layer in reversed(range(len(zs))):
        i = layer * STEP
        d = d * dact(acts[layer], zs[layer], hs[layer + 1])
        w = params[i]
        grads[i] = hs[layer].T @ d + SETUP["l1"] * np.sign(w) + 2.0 * SETUP["l2"] * w
        loss += SETUP["l1"] * np.abs(w).sum() + SETUP["l2"] * (w * w).sum()
        if SETUP["bias"]:
            grads[i + 1] = d.sum(axis=0)
        d = d @ w.T
    return loss, grads


def clip(grads):
    if OPT["clip_value"] is not None:
        grads = [np.clip(g, -OPT["clip_value"], OPT["clip_value"]) for g in grads]
    if OPT["clip_norm"] is not None:
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        if norm > OPT["clip_norm"]:
            grads = [g * (OPT["clip_norm"] / norm) for g in grads]
    return grads


STATE = [[np.zeros_like(p), np.zeros_like(p)] for p in PARAMS]


def update(params, grads, t):
    lr, name = learning_rate(t - 1), OPT["name"]
    decoupled = name == "adamw" or OPT["decay_mode"] == "decoupled"
    for i, (p, g) in enumerate(zip(params, clip(grads))):
        if OPT["weight_decay"] and not decoupled:
            g = g + OPT["weight_decay"] * p
        s = STATE[i]
        if name in ("momentum", "nesterov"):
            s[0] = OPT["momentum"] * s[0] + g
            d = s[0] if name == "momentum" else g + OPT["momentum"] * s[0]
        elif name == "adagrad":
            s[0] = s[0] + g * g
            d = g / (np.sqrt(s[0]) + OPT["eps"])
        elif name == "rmsprop":
            s[0] = OPT["rho"] * s[0] + (1.0 - OPT["rho"]) * g * g
            d = g / (np.sqrt(s[0]) + OPT["eps"])
        elif name in ("adam", "adamw"):
            s[0] = OPT["beta1"] * s[0] + (1.0 - OPT["beta1"]) * g
            s[1] = OPT["beta2"] * s[1] + (1.0 - OPT["beta2"]) * g * g
            d = (s[0] / (1.0 - OPT["beta1"] ** t)) / (np.sqrt(s[1] / (1.0 - OPT["beta2"] ** t)) + OPT["eps"])
        else:
            d = g
        step = lr * d + (lr * OPT["weight_decay"] * p if OPT["weight_decay"] and decoupled else 0.0)
        params[i] = p - step


{shared}

def main():
    losses = []
    for t, batch in enumerate(batches(len(X), SETUP["batch_size"], SETUP["seed"], SETUP["updates"]), start=1):
        _, grads = loss_and_grads(PARAMS, X[batch], Y[batch])
        update(PARAMS, grads, t)
        losses.append(float(loss_and_grads(PARAMS, X, Y)[0]))
        print(f"update {{t}}: training loss {{losses[-1]:.6f}}")
    print(json.dumps({{"train_loss": losses}}))


if __name__ == "__main__":
    main()
'''

_TORCH_SCRIPT = '''"""A {sizes} MLP trained with {optimizer}: exported from gradlab. Needs torch and numpy."""
import json
import math

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
SETUP = json.loads(r"""{payload}""")
OPT = SETUP["optimizer"]
X = torch.tensor(SETUP["x_train"])
Y = torch.tensor(SETUP["y_train"])
ACTIVATIONS = {{"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "elu": torch.nn.ELU,
               "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}}


def build_model():
    sizes, layers = SETUP["sizes"], []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(fan_in, fan_out, bias=SETUP["bias"]))
        if i < len(SETUP["activations"]) and SETUP["activations"][i] != "linear":
            layers.append(ACTIVATIONS[SETUP["activations"][i]]())
    model = torch.nn.Sequential(*layers)
    params = iter(SETUP["initial"])
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.copy_(torch.tensor(next(params)).T)  # gradlab stores W as (in, out)
                if SETUP["bias"]:
                    layer.bias.copy_(torch.tensor(next(params)))
    return model


def make_optimizer(params):
    name, lr, wd = OPT["name"], OPT["lr"], OPT["weight_decay"]
    coupled = 0.0 if OPT["decay_mode"] == "decoupled" else wd
    if name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr, momentum=0.0 if name == "sgd" else OPT["momentum"],
                               nesterov=name == "nesterov", weight_decay=coupled)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=OPT["eps"], weight_decay=coupled)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=OPT["rho"], eps=OPT["eps"], weight_decay=coupled)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, betas=(OPT["beta1"], OPT["beta2"]), eps=OPT["eps"], weight_decay=wd)
    return torch.optim.Adam(params, lr=lr, betas=(OPT["beta1"], OPT["beta2"]), eps=OPT["eps"], weight_decay=coupled)


def loss_fn(model, x, y):
    out = model(x)
    if SETUP["loss"] == "cross_entropy":
        loss = torch.nn.functional.cross_entropy(out, y)  # y holds class probabilities (one-hot)
    else:
        loss = torch.nn.functional.mse_loss(out, y)
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            loss = loss + SETUP["l1"] * layer.weight.abs().sum() + SETUP["l2"] * (layer.weight ** 2).sum()
    return loss


def clip(params):
    # The same rule as gradlab (no epsilon in the norm), so the numbers agree to rounding.
    grads = [p.grad for p in params]
    if OPT["clip_value"] is not None:
        for g in grads:
            g.clamp_(-OPT["clip_value"], OPT["clip_value"])
    if OPT["clip_norm"] is not None:
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        if norm > OPT["clip_norm"]:
            for g in grads:
                g.mul_(OPT["clip_norm"] / norm)


{shared}

def main():
    model = build_model()
    params = list(model.parameters())
    optimizer = make_optimizer(params)
    decoupled = OPT["decay_mode"] == "decoupled" and OPT["name"] != "adamw" and OPT["weight_decay"]
    losses = []
    for t, batch in enumerate(batches(len(X), SETUP["batch_size"], SETUP["seed"], SETUP["updates"]), start=1):
        lr = learning_rate(t - 1)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        loss_fn(model, X[batch], Y[batch]).backward()
        clip(params)
        if decoupled:
            with torch.no_grad():
                for p in params:
                    p.mul_(1.0 - lr * OPT["weight_decay"])
        optimizer.step()
        with torch.no_grad():
            losses.append(float(loss_fn(model, X, Y)))
        print(f"update {{t}}: training loss {{losses[-1]:.6f}}")
    print(json.dumps({{"train_loss": losses}}))


if __name__ == "__main__":
    main()
'''


# Both scripts embed this, so they replay exactly the trainer's mini-batch order (Trainer._batch)
# and learning-rate schedule (labs.optim.learning_rate).
_SHARED = '''def learning_rate(t):
    if OPT["schedule"] == "step":
        return OPT["lr"] * OPT["gamma"] ** (t // OPT["step_every"])
    if OPT["schedule"] == "cosine":
        frac = min(t, OPT["total"]) / OPT["total"]
        return OPT["min_lr"] + (OPT["lr"] - OPT["min_lr"]) * 0.5 * (1.0 + math.cos(math.pi * frac))
    return OPT["lr"]


def batches(n, size, seed, updates):
    """Mini-batch indices, reshuffled whenever an epoch runs out (size 0: the whole training set)."""
    rng = np.random.default_rng(seed + 1)
    order, cursor = np.empty(0, int), 0
    for _ in range(updates):
        if not size or size >= n:
            yield np.arange(n)
            continue
        if cursor + size > len(order):
            order, cursor = rng.permutation(n), 0
        yield order[cursor: cursor + size]
        cursor += size
'''


def _script(template: str, trainer: Trainer, updates: int) -> str:
    cfg = trainer.cfg
    sizes = "-".join(map(str, cfg.net.sizes))
    return template.format(payload=_payload(trainer, updates), sizes=sizes, optimizer=cfg.optimizer.name,
                           shared=_SHARED)


def numpy_script(trainer: Trainer, updates: int) -> str:
    """A standalone numpy program that trains the same model on the same data for ``updates`` steps."""
    return _script(_NUMPY_SCRIPT, trainer, updates)


def torch_script(trainer: Trainer, updates: int) -> str:
    """The same, written with torch.nn and torch.optim."""
    return _script(_TORCH_SCRIPT, trainer, updates)
