"""The MLP lab: train a small network and look inside it."""
