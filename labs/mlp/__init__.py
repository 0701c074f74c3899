"""The MLP lab's model: datasets, the network, the trainer, the loss slice and export."""
