"""An MLP from gradlab's MLP lab, trained in plain numpy: needs nothing else.

It trains the network you set up on the same data, from the same initial weights, in the same
mini-batch order, and prints the training loss after each update; the last line holds all the losses
as JSON. The network and the optimizer below are gradlab's own code, pasted in at export, so they
compute what the app computed.
"""

import json
import math
from types import SimpleNamespace

import numpy as np

from ...update_rules import MiniBatches, initial_state, optimizer_step
from ..numpy_net import loss, loss_and_gradients

# The settings (as in gradlab's JSON configuration), the training data and the initial weights.
# Every JSON object becomes a namespace, so settings read as SETUP.config.optimizer.lr.
SETUP = json.loads("{}", object_hook=lambda fields: SimpleNamespace(**fields))  # gradlab: setup


def main():
    config = SETUP.config
    x, y = np.array(SETUP.x_train), np.array(SETUP.y_train)
    params = [np.array(p, dtype=float) for p in SETUP.initial]  # [W1, b1, W2, b2, ...], W as (in, out)
    states = [initial_state(config.optimizer.name, p.shape) for p in params]
    batches = MiniBatches(len(x), config.batch_size, config.seed)
    losses = []
    for t in range(1, SETUP.updates + 1):
        batch = batches.next()
        _, grads = loss_and_gradients(params, x[batch], y[batch], config)
        params, _, _, _ = optimizer_step(config.optimizer, params, grads, states, t)
        losses.append(float(loss(params, x, y, config)))
        print(f"update {t}: training loss {losses[-1]:.6f}")
        if not math.isfinite(losses[-1]):
            print("the loss is no longer a finite number: stopping (gradlab's NaN trap stops here too)")
            break
    print(json.dumps({"train_loss": losses}))


if __name__ == "__main__":
    main()
