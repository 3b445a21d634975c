"""Researcher side: BIWI reader, models, training, evaluation, ONNX export (torch)."""
