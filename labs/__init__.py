"""The labs' models, numpy only, no UI: optimizers and surfaces (optim, surfaces) and the MLP lab (mlp/)."""
