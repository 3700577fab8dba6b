"""gmm_desktop: explore Gaussian mixture models by pointing and clicking.

Importing the package imports no Qt (and no numpy): the window, the command line and the
tests pull in only what they use.
"""

__version__ = "0.1.0"
