"""Dialogs of the window: importing a data file (columns, labels, bad rows) and its load progress."""
