"""A 2-D slice of the loss landscape around the current weights (Li et al., 2018).

Two random directions, each filter-normalized: every output neuron's slice of a direction is scaled
to the norm of that neuron's weights, and biases are left out. The loss on the plane
θ + α d₁ + β d₂ is evaluated for all (α, β) at once in batched numpy; the training trajectory is
projected onto the plane by least squares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import numpy_net


@dataclass(frozen=True)
class LossSlice:
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray  # (len(betas), len(alphas))
    path: np.ndarray  # (T, 2): the trajectory's coordinates on the plane


def filter_normalized_directions(trainer, rng) -> np.ndarray:
    parts = []
    for p in trainer.params:
        if p.label.startswith("W"):
            d = rng.normal(size=p.value.shape)
            scale = np.linalg.norm(p.value, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-12)
            parts.append((d * scale).ravel())
        else:
            parts.append(np.zeros(p.value.size))
    return np.concatenate(parts)


def batched_loss(trainer, flat: np.ndarray) -> np.ndarray:
    """The training loss for K flattened parameter sets at once: flat has shape (K, P)."""
    k, offset = flat.shape[0], 0
    shaped = []
    for p in trainer.params:
        shaped.append(flat[:, offset: offset + p.value.size].reshape(k, *p.value.shape))
        offset += p.value.size
    with np.errstate(all="ignore"):  # far from the weights the loss may overflow: the plot shows inf
        return numpy_net.loss(shaped, trainer.x_train, trainer.y_train, trainer.cfg)


def loss_slice(trainer, resolution: int = 21, span: float = 1.0, seed: int = 0) -> LossSlice:
    rng = np.random.default_rng(seed)
    center = trainer.flat_params()
    d1, d2 = filter_normalized_directions(trainer, rng), filter_normalized_directions(trainer, rng)
    alphas = np.linspace(-span, span, resolution)
    betas = np.linspace(-span, span, resolution)
    a, b = np.meshgrid(alphas, betas)
    grid = center + a.reshape(-1, 1) * d1 + b.reshape(-1, 1) * d2
    loss = np.concatenate([batched_loss(trainer, chunk) for chunk in np.array_split(grid, max(1, len(grid) // 64))])
    basis = np.stack([d1, d2], axis=1)
    offsets = np.array(trainer.trajectory) - center
    path = np.linalg.lstsq(basis, offsets.T, rcond=None)[0].T
    return LossSlice(alphas, betas, loss.reshape(a.shape), path)
