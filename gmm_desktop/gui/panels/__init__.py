"""One dock widget per concern: target, sampler, fit, model selection."""
