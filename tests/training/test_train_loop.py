"""The training loop's pieces (torchvision references' shape): train_one_epoch's step log, evaluate."""

from __future__ import annotations

import logging

import pytest

from training.train import train

from .conftest import tiny_config


def test_log_every_sets_the_step_log_lines(prepared, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="training.train"):
        train(tiny_config(prepared, epochs=1, log_every=1, max_steps_per_epoch=2), prepared, tmp_path, show_progress=False)
    steps = [r.getMessage().split(":")[0] for r in caplog.records if " step " in r.getMessage()]
    assert steps == ["epoch 1 step 1", "epoch 1 step 2"]


def test_evaluate_gives_the_best_checkpoints_validation_mae(prepared, trained):
    import torch
    from torch.utils.data import DataLoader

    from training.checkpoint import load_checkpoint, model_from_checkpoint
    from training.train import evaluate, make_datasets

    model, cfg, _ = model_from_checkpoint(trained.best_path)
    _, val_set = make_datasets(cfg, prepared)
    val = evaluate(model, DataLoader(val_set, batch_size=4), torch.device("cpu"))
    assert val == pytest.approx(load_checkpoint(trained.best_path)["val_mae"], abs=1e-4)
    assert val["mean"] == pytest.approx(trained.best_val_mae, abs=1e-4)


def test_the_checkpoint_names_the_commit_the_run_started_from(prepared, tmp_path, monkeypatch):
    """A commit made while it trains is not the code that trained it."""
    import itertools

    import training.train as train_module
    from training.checkpoint import load_checkpoint

    commits = itertools.count()
    monkeypatch.setattr(train_module, "git_commit", lambda: f"commit-{next(commits)}")
    result = train(tiny_config(prepared, epochs=2, max_steps_per_epoch=1), prepared, tmp_path, show_progress=False)
    assert load_checkpoint(result.last_path)["git_commit"] == "commit-0"
