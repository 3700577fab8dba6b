"""The pyqtgraph views of the mixture, the samples and the fits."""
