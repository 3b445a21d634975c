"""Camera chooser: camera index and resolution, a video file, or the demo video."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from app.ui.widgets import push_button
from app.ui.workers import SourceSpec

RESOLUTIONS = ((640, 480), (1280, 720), (1920, 1080))


class SourceBar(QWidget):
    source_chosen = Signal(object)  # SourceSpec

    def __init__(self, demo_video: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.demo_video = demo_video
        self.camera = QComboBox()
        for i in range(4):
            self.camera.addItem(f"Camera {i}", i)
        self.resolution = QComboBox()
        for w, h in RESOLUTIONS:
            self.resolution.addItem(f"{w}×{h}", (w, h))
        self.use_camera = push_button("Use camera", self._camera)
        self.open_video = push_button("Open video…", self._file)
        self.demo = QPushButton("Demo video")
        self.demo.setEnabled(demo_video is not None and demo_video.is_file())
        self.demo.clicked.connect(self.choose_demo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Source:"))
        for w in (self.camera, self.resolution, self.use_camera, self.open_video, self.demo):
            layout.addWidget(w)
        layout.addStretch(1)

    def set_camera(self, index: int, width: int, height: int) -> None:
        self.camera.setCurrentIndex(max(0, min(3, index)))
        for i in range(self.resolution.count()):
            if self.resolution.itemData(i) == (width, height):
                self.resolution.setCurrentIndex(i)

    def _camera(self) -> None:
        w, h = self.resolution.currentData()
        self.source_chosen.emit(SourceSpec(camera=int(self.camera.currentData()), width=w, height=h))

    def _file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", "", "Videos (*.mp4 *.avi *.mov *.mkv);;All files (*)")
        if path:
            self.source_chosen.emit(SourceSpec(video=Path(path)))

    def choose_demo(self) -> None:
        if self.demo_video is not None:
            self.source_chosen.emit(SourceSpec(video=self.demo_video, loop=True))
