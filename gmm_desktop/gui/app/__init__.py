"""The application: QApplication set-up, the main window, its menus, start-up preloading, renders."""
