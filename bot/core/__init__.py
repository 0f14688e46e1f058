"""The game, as pure Python: no Discord, no I/O; randomness and the clock are injected."""
