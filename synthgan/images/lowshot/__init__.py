"""The low-shot image experiment: no augmentation, classic (random affine), GAN augmentation and both, on a few labelled images per class.

Modules: :mod:`.arms` (the arms' names and the experiment's defaults; imports nothing heavy, for
the CLI), :mod:`.affine` (:class:`RandomAffine`, the classic augmentation), :mod:`.classifier`
(:class:`LowShotClassifier`), :mod:`.leakage` (:class:`ImageLeakageGuard`), :mod:`.verdicts`
(intervals, paired differences, verdicts), :mod:`.experiment` (:class:`ImageAugmentExperiment`)
and :mod:`.report` (text, JSON, HTML). Import from the modules.
"""
