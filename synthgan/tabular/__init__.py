"""Tables: schema inference, validation, reversible encoding, the table models, conditions
and the :class:`~synthgan.tabular.synthesizer.Synthesizer` that ties them together."""

# The model `fit`, `Synthesizer()`, the demo and `experiment augment` use when none is named:
# the best one measured for the time budget (bench/results/bench_*.md; README "Models" says why).
# Kept here, free of imports, so the CLI's help can name it cheaply.
DEFAULT_TABLE_MODEL = "autoregressive"
