"""Every example notebook runs top to bottom in smoke mode (tiny budgets)."""
import glob
import os

import nbformat
import pytest
from nbclient import NotebookClient

from agentnet.utils.persistence import read_metadata

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
ATARI_DQN = os.path.join(EXAMPLES, "Playing Atari with Deep Reinforcement Learning.ipynb")
KUNGFU_A2C = os.path.join(EXAMPLES, "Recurrent A2C on Kung-Fu Master.ipynb")
POMDP_CARTPOLE = os.path.join(EXAMPLES, "Partially observed CartPole.ipynb")
# The two long-run notebooks are run (twice) by their resume tests below, the POMDP one by its own.
NOTEBOOKS = sorted(set(glob.glob(os.path.join(EXAMPLES, "*.ipynb")))
                   - {ATARI_DQN, KUNGFU_A2C, POMDP_CARTPOLE})


def run_in_smoke_mode(path, monkeypatch, results_dir):
    """Execute the notebook with AGENTNET_SMOKE=1; returns its text outputs, failing on errors."""
    monkeypatch.setenv("AGENTNET_SMOKE", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("AGENTNET_RESULTS", str(results_dir))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": EXAMPLES}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    return "".join(output.get("text", "") for output in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs_in_smoke_mode(path, monkeypatch, tmp_path):
    run_in_smoke_mode(path, monkeypatch, tmp_path)


def run_then_resume(path, monkeypatch, results_dir, budget_variable, budgets, checkpoint_name):
    """Run with the first budget, then resume to the second; the checkpoint metadata after each.

    Returns ``(first, second, text)``: both progress records and the resumed run's printed text.
    """
    checkpoint = results_dir / checkpoint_name
    monkeypatch.setenv(budget_variable, str(budgets[0]))
    run_in_smoke_mode(path, monkeypatch, results_dir)
    first = read_metadata(checkpoint)
    monkeypatch.setenv(budget_variable, str(budgets[1]))
    monkeypatch.setenv("AGENTNET_RESUME", "1")
    text = run_in_smoke_mode(path, monkeypatch, results_dir)
    return first, read_metadata(checkpoint), text


def _assert_carried_over(first, second, last_x):
    """The resumed run's returns and curves start with the first run's and go past ``last_x``."""
    assert first["metrics"], "the first run saved no curve to carry over"
    assert second["episode_returns"][:len(first["episode_returns"])] == first["episode_returns"]
    for name, points in first["metrics"].items():
        resumed = second["metrics"][name]
        assert resumed[:len(points)] == points and resumed[-1][0] > last_x


@pytest.mark.slow
def test_atari_notebook_runs_and_resumes_from_its_checkpoint(monkeypatch, tmp_path):
    first, second, text = run_then_resume(ATARI_DQN, monkeypatch, tmp_path, "AGENTNET_ENV_STEPS",
                                          (192, 320), "atari_dqn_checkpoint.npz")
    # 192 = 6 pool updates of 4 games x 8 new ticks in smoke mode (an evaluation every 128)
    done, resumed = first["counters"], second["counters"]
    assert done["env_steps"] == 192 and "resumed after 192 env steps" in text
    assert resumed["env_steps"] >= 320 and resumed["wall_seconds"] > done["wall_seconds"]
    assert first["episode_returns"], "no life ended in the first run"
    _assert_carried_over(first, second, last_x=192)
    assert (tmp_path / "atari_dqn.png").exists() and (tmp_path / "atari_dqn_lives.png").exists()


@pytest.mark.slow
def test_kungfu_notebook_runs_and_resumes_from_its_checkpoint(monkeypatch, tmp_path):
    first, second, text = run_then_resume(KUNGFU_A2C, monkeypatch, tmp_path,
                                          "AGENTNET_ITERATIONS", (2, 4),
                                          "kungfu_a2c_checkpoint.npz")
    assert first["counters"]["iteration"] == 2 and "resumed after 2 iterations" in text
    assert second["counters"]["iteration"] == 4
    _assert_carried_over(first, second, last_x=first["metrics"]["evaluation score"][-1][0])
    assert (tmp_path / "kungfu_a2c.png").exists()


@pytest.mark.slow
def test_pomdp_cartpole_notebook_tabulates_every_run_and_saves_the_figure(monkeypatch, tmp_path):
    text = run_in_smoke_mode(POMDP_CARTPOLE, monkeypatch, tmp_path)
    rows = [line.split() for line in text.splitlines() if line[:4].strip().isdigit()]
    assert [(row[0], " ".join(row[1:-4])) for row in rows] == [
        ("0", "recurrent"), ("1", "recurrent"), ("2", "recurrent"),
        ("0", "memoryless"), ("0", "no burn-in"), ("0", "no priorities")]
    assert all(row[-4] in ("yes", "no") and int(row[-3]) >= 600 for row in rows)
    assert (tmp_path / "pomdp_cartpole.png").stat().st_size > 0
