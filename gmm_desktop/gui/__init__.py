"""Everything that imports PySide6 or pyqtgraph: state owner, views, workers, the main window."""
