"""Qt item models: lazy table views of the state's numpy arrays and records."""
