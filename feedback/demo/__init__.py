"""The demo: `load_demo` (a ready project with demo accounts), `simulate_loop` (the whole
loop with simulated annotators) and the simulation package both use. It sits on top of
every other app and nothing imports it."""
