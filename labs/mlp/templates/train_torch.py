"""An MLP from gradlab's MLP lab, trained with torch.nn and torch.optim: needs torch and numpy.

It trains the network you set up on the same data, from the same initial weights, in the same
mini-batch order, and prints the training loss after each update; the last line holds all the losses
as JSON. The learning-rate schedule and the mini-batch order below are gradlab's own code, pasted in
at export, so the losses agree with the app's to rounding.
"""

import json
import math
from types import SimpleNamespace

import numpy as np  # noqa: F401 (gradlab's mini-batch order, pasted below, shuffles with numpy)
import torch

from ...update_rules import MiniBatches, learning_rate

torch.set_default_dtype(torch.float64)  # gradlab computes in float64

# The settings (as in gradlab's JSON configuration), the training data and the initial weights.
# Every JSON object becomes a namespace, so settings read as SETUP.config.optimizer.lr.
SETUP = json.loads("{}", object_hook=lambda fields: SimpleNamespace(**fields))  # gradlab: setup

ACTIVATIONS = {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "elu": torch.nn.ELU,
               "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def build_model(net, initial):
    sizes, layers = [net.inputs, *net.hidden, net.outputs], []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(torch.nn.Linear(fan_in, fan_out, bias=net.bias))
        if i < len(net.activations) and net.activations[i] != "linear":
            layers.append(ACTIVATIONS[net.activations[i]]())
    model = torch.nn.Sequential(*layers)
    values = iter(initial)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                layer.weight.copy_(torch.tensor(next(values)).T)  # gradlab stores W as (in, out)
                if net.bias:
                    layer.bias.copy_(torch.tensor(next(values)))
    return model


def make_optimizer(opt, params):
    # Decoupled weight decay for anything but AdamW is applied by hand in main(), so 0 here.
    coupled = 0.0 if opt.decay_mode == "decoupled" else opt.weight_decay
    if opt.name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(params, lr=opt.lr, momentum=0.0 if opt.name == "sgd" else opt.momentum,
                               nesterov=opt.name == "nesterov", weight_decay=coupled)
    if opt.name == "adagrad":
        return torch.optim.Adagrad(params, lr=opt.lr, eps=opt.eps, weight_decay=coupled)
    if opt.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=opt.lr, alpha=opt.rho, eps=opt.eps, weight_decay=coupled)
    betas = (opt.beta1, opt.beta2)
    if opt.name == "adamw":
        return torch.optim.AdamW(params, lr=opt.lr, betas=betas, eps=opt.eps, weight_decay=opt.weight_decay)
    return torch.optim.Adam(params, lr=opt.lr, betas=betas, eps=opt.eps, weight_decay=coupled)


def loss_fn(model, x, y, config):
    out = model(x)
    if config.loss == "cross_entropy":
        loss = torch.nn.functional.cross_entropy(out, y)  # y holds class probabilities (one-hot)
    else:
        loss = torch.nn.functional.mse_loss(out, y)
    for layer in model:
        if isinstance(layer, torch.nn.Linear):
            loss = loss + config.l1 * layer.weight.abs().sum() + config.l2 * (layer.weight ** 2).sum()
    return loss


def clip_gradients_(params, opt):
    if opt.clip_value is not None:
        torch.nn.utils.clip_grad_value_(params, opt.clip_value)
    if opt.clip_norm is not None:
        # Not clip_grad_norm_: it adds 1e-6 to the norm, and gradlab rescales to exactly clip_norm.
        norm = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in params))
        if norm > opt.clip_norm:
            for p in params:
                p.grad.mul_(opt.clip_norm / norm)


def main():
    config, opt = SETUP.config, SETUP.config.optimizer
    x, y = torch.tensor(SETUP.x_train), torch.tensor(SETUP.y_train)
    model = build_model(config.net, SETUP.initial)
    params = list(model.parameters())
    optimizer = make_optimizer(opt, params)
    decay_by_hand = opt.decay_mode == "decoupled" and opt.name != "adamw" and opt.weight_decay
    batches = MiniBatches(len(x), config.batch_size, config.seed)
    losses = []
    for t in range(1, SETUP.updates + 1):
        lr = learning_rate(opt, t - 1)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = torch.from_numpy(batches.next())
        optimizer.zero_grad()
        loss_fn(model, x[batch], y[batch], config).backward()
        clip_gradients_(params, opt)
        if decay_by_hand:
            with torch.no_grad():
                for p in params:
                    p.mul_(1.0 - lr * opt.weight_decay)
        optimizer.step()
        with torch.no_grad():
            losses.append(float(loss_fn(model, x, y, config)))
        print(f"update {t}: training loss {losses[-1]:.6f}")
        if not math.isfinite(losses[-1]):
            print("the loss is no longer a finite number: stopping (gradlab's NaN trap stops here too)")
            break
    print(json.dumps({"train_loss": losses}))


if __name__ == "__main__":
    main()
