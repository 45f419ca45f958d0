"""Image models (``kind="image"``): ``dcgan`` and ``sngan`` (:mod:`.gan`), ``cvae`` (:mod:`.vae`).

Shared parts: :mod:`.base` (data checks, batches, classes), :mod:`.nets` (the networks).
"""
