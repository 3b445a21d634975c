"""Camera calibration with a printed pattern: the webcam's focal length, principal point and distortion.

Flexion and extension depend on the camera's field of view (docs/MEASURING_CORE.md), which a
clinician rarely knows. A printed chessboard or ChArUco board shown to the camera in a dozen or
more views measures it with OpenCV's standard calibration (Zhang's method):

* :mod:`.pattern`: the board (sizes, its image, the printable A4 PDF);
* :mod:`.detect`: the board's corners in one frame, and how blurred they are;
* :mod:`.views`: which frames make good views (sharp, new, spread over the image, tilted) and
  what to tell the person holding the pattern;
* :mod:`.solve`: ``cv2.calibrateCamera`` on the views, with the checks that refuse a bad result;
* :mod:`.storage`: calibrations kept per camera (name and resolution) for the next measurement.

The result is a :class:`app.core.camera_model.CameraCalibration`, which the measuring core uses.
"""
