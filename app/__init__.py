"""cervicam: cervical range of motion from an ordinary webcam (app side, never imports torch)."""

__version__ = "0.1.0"
