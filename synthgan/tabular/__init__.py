"""Tables: schema inference, validation, reversible encoding, the table models, conditions
and the :class:`~synthgan.tabular.synthesizer.Synthesizer` that ties them together."""
