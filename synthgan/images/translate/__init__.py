"""Unpaired image-to-image translation (CycleGAN) between two image sets: fit, translate, evaluate, save and load.

* :mod:`.nets`: the generators (small ResNet encoder/decoder) and PatchGAN critics;
* :mod:`.training`: the training loop (adversarial + cycle-consistency + identity losses);
* :mod:`.model`: :class:`ImageTranslator`, the estimator (fit, transform both ways, save/load);
  :mod:`.options`: its options, checked at fit; :mod:`.describe`: what `synthgan info` prints;
* :mod:`.evaluate`: :func:`evaluate_translation` (content kept, style changed, cycle error);
* :mod:`.run`: the verbs behind ``synthgan translate fit/apply/evaluate``.
"""

from synthgan.images.translate.model import ImageTranslator

__all__ = ["ImageTranslator"]
