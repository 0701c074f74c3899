"""The backprop stepper: an expression's forward and backward passes, one node at a time."""
