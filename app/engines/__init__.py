"""Pose engines behind one interface (see app.core.types.PoseEngine)."""
