"""The data-agnostic foundations every kind of data builds on: the model contract and registry,
the neural core (layers, the adversarial step, the trainer, optimisers, batch samplers,
callbacks, checkpoints, early stopping) and seeds.

Nothing here knows about tables, sequences or images.
"""
