"""The optimizer and loss-surface lab: optimizers racing on a surface."""
