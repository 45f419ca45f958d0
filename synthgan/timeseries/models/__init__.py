"""Sequence models: the contract (:mod:`.base`), the GAN and the baselines."""
