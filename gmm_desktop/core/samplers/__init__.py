"""MCMC samplers of a target mixture, and the diagnostics of their chains."""
