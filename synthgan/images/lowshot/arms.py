"""The arms of the low-shot experiment and its defaults: one list that the code, the CLI help, the JSON and the reports share.

Nothing heavy is imported here, so the command line can show its help without loading torch.
"""

from __future__ import annotations

__all__ = ["ARMS", "ARM_LABELS", "DEFAULT_GENERATOR_PARAMS", "DEFAULT_GENERATOR_STEPS", "DEFAULT_RATIO",
           "DEFAULT_CLASSIFIER_STEPS", "DEFAULT_SHOTS"]

#: the arms, in report order
ARMS = ("none", "affine", "gan", "gan+affine")
ARM_LABELS = {"none": "no augmentation", "affine": "classic augmentation (random affine)",
              "gan": "GAN augmentation", "gan+affine": "GAN + classic augmentation"}
DEFAULT_SHOTS = (10, 50, 100)

# Defaults by measurement (MNIST, the 8,000 / 2,000 split of bench/images_bench.py, seed 0, 10 labelled images
# per class unless said, a shared 2-core machine). "synthetic only": a classifier trained on 100 synthetic images
# per class alone, tested on the real test images (real labelled images alone: 0.871), a yardstick of the GAN.
#   sngan width 32, batch 32, 1,000 steps: synthetic only 0.642; with DiffAugment (translation, cutout) 0.597
#   2,000 steps: without DiffAugment 0.542 (worse: the critic memorises 100 images), with it 0.659 (better)
#   100 per class, 1,500 steps with DiffAugment: synthetic only 0.703 (real alone 0.962)
# so the GAN trains with DiffAugment; 1,500 steps (about 2 to 3 minutes a fit on 2 busy cores) keeps one seed of
# the three shot counts near 10 minutes. Added to the real images at 1, 3 and 10 synthetic per real image
# (1,000 steps): accuracy 0.867, 0.864 (DiffAugment) and 0.840, 0.836, 0.812 (without): the fewer the better, so 1.
# Within-class spread (experiment.within_class_spread; 10 per class, 1,500 steps): the labelled images 8.95, these
# settings about 3.3 (with minibatch_std 3.32, without the weight average 3.18), sngan's own defaults (width 64,
# batch 64, no DiffAugment) 4.11: on 100 to 1,000 images the GAN collapses within classes, whichever of these options.

#: generator steps per fit, whatever the shot count
DEFAULT_GENERATOR_STEPS = 1500
#: synthetic images per labelled image, per class
DEFAULT_RATIO = 1.0
#: options of the image GAN here: narrower (width 32) and smaller batches (32) than its defaults, about four times
#: faster on a CPU, and DiffAugment, which keeps the critic from memorising a few hundred images
DEFAULT_GENERATOR_PARAMS = {"width": 32, "batch_size": 32, "diff_augment": "translation,cutout"}
#: optimiser steps (batches of 64) of every classifier, whatever its training pool's size
DEFAULT_CLASSIFIER_STEPS = 400
