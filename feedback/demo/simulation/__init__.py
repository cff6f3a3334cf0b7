"""Simulated annotators with verifiable preference rules: the demo's seed labels and
the `simulate_loop` command that shows the loop improves the model."""
