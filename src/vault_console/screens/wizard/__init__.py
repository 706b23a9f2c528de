"""The guided setup wizard: one module per step, ``screen.py`` runs them and the engine."""
