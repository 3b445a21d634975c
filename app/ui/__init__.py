"""PySide6 widgets: they only wire the core to the screen."""
