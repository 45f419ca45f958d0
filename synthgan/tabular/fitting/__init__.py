"""What a table fit adds around the neural core: the validation hold-out and its fidelity
score, the mode-collapse monitor, and the plan that assembles them with checkpoints."""
