"""Qt-free, torch-free measuring and clinical core."""
