"""Per-axis MAE by angle bin (training.metrics.binned_accuracy): the model card's and evaluate's table."""

import numpy as np

from training.metrics import binned_accuracy, binned_table, mae_per_axis_by_bin, YAW_EDGES_DEG


def test_each_frame_lands_in_its_bin_with_its_own_errors():
    true = np.array([[10.0, 0.0, 0.0], [20.0, 0.0, 0.0], [-80.0, 30.0, 0.0], [95.0, 0.0, 50.0]])
    pred = true + np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 4.0], [6.0, 0.0, 0.0]])
    rows = {r["bin"]: r for r in mae_per_axis_by_bin(pred, true, 0, YAW_EDGES_DEG)}
    assert set(rows) == {"|yaw| 0-15", "|yaw| 15-30", "|yaw| 75-90", "|yaw| 90+"}
    assert rows["|yaw| 0-15"]["yaw"] == 1.0 and rows["|yaw| 15-30"]["pitch"] == 2.0
    assert rows["|yaw| 75-90"]["roll"] == 4.0 and rows["|yaw| 90+"]["frames"] == 1
    all_rows = binned_accuracy(pred, true)
    assert sum(r["frames"] for r in all_rows if r["bin"].startswith("|pitch|")) == 4
    assert sum(r["frames"] for r in all_rows if r["bin"].startswith("|roll|")) == 4
    table = binned_table(all_rows)
    assert table[2].startswith("| |yaw| 0-15 | 1 | 1.00 |")
