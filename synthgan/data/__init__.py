"""Schema inference, validation and reversible encoding of tables."""
