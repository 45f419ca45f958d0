"""Images: class-conditional GANs (and a conditional VAE baseline) for small grey or colour images.

Modules: :mod:`~synthgan.images.io` (npz archives and image folders in, npz/PNG out),
:mod:`~synthgan.images.encoder` (pixels <-> float32 NCHW in [-1, 1], labels <-> class indices),
:mod:`~synthgan.images.synthesizer` (:class:`ImageSynthesizer`, pipeline ``"image"``),
:mod:`~synthgan.images.fitting` and :mod:`~synthgan.images.quality` (early stopping on the
Frechet distance of samples, checkpoints), :mod:`~synthgan.images.run` (the verbs' image half),
:mod:`~synthgan.images.describe` (``synthgan info``), ``models/`` (``sngan``, ``dcgan``, ``cvae``)
and ``evaluation/`` (metrics in a locally trained feature space).
"""
