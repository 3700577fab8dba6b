"""The Qt-free numerical core: numpy and scikit-learn only (a test enforces it)."""
