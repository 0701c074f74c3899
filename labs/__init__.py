"""The labs' models, numpy only, no UI: the update rules (update_rules), optimizer settings (optim) and surfaces
for the optimizer lab, and the MLP lab (mlp/)."""
