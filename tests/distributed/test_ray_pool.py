"""RayEnvPool: Ray actors play with EnvPool's timeline; weights through the object store; faults.

The local Ray (2 CPUs, loopback only) is the ``local_ray`` fixture of conftest.py.
"""
import os
import signal

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from agentnet.distributed import RayEnvPool, WorkerRestartWarning  # noqa: E402
from agentnet.experiments.openai_gym import WorkerError  # noqa: E402

from tests.experiments import _process_pool_helpers as helpers  # noqa: E402
from tests.experiments.test_process_pool import (  # noqa: E402
    N_GAMES, N_STEPS, SEED, _stored, check_pushed_weights_and_variables_change_actions,
    check_sessions_equal_in_process_pools)


@pytest.fixture(scope="module")
def learner(local_ray):
    """The learner's agent (greedy action 1), its react function and a 2-actor pool."""
    agent = helpers.build_agent()
    helpers.set_preferred_action(agent, 1)
    pool = RayEnvPool(agent, helpers.build_agent, helpers.make_countdown, n_games=N_GAMES,
                      n_workers=2, seed=SEED, sync_every=2, sync_variables=helpers.sync_epsilon,
                      cpus_per_worker=0.5)
    yield agent, agent.get_react_function(), pool
    pool.close()


def test_sessions_equal_in_process_pools_seeded_the_same_way(learner):
    check_sessions_equal_in_process_pools(*learner)
    assert learner[2].policy_lags == [0, 0, 1, 1, 2, 2, 1, 1, 2, 2]


def test_pushed_weights_and_variables_change_the_workers_actions(learner):
    check_pushed_weights_and_variables_change_actions(learner[0], learner[2])


def test_killed_actor_is_replaced_and_only_whole_segments_are_stored(learner):
    """The segment finished before the kill is still stored; the next comes from a new actor."""
    agent, _, pool = learner
    helpers.set_preferred_action(agent, 1)
    pool.push_weights()
    n_stored = len(_stored(pool)["rewards"])
    os.kill(pool.actor_pids()[1], signal.SIGKILL)
    with pytest.warns(WorkerRestartWarning, match=r"(?s)Ray game worker 1 failed.*restart 1 of"):
        pool.update(N_STEPS, append=True)
        pool.update(N_STEPS, append=True)
    assert pool.restarts == [0, 1] and pool.dropped == []
    stored = _stored(pool)
    assert len(stored["rewards"]) == n_stored + 2 * 2 * N_GAMES
    # the replacement played a whole segment with the pushed weights, from fresh games
    np.testing.assert_array_equal(stored["is_alive"][-N_GAMES:, 0], 1)
    assert (stored["actions"][-N_GAMES:, :-1] == 1).all()
    pool.update(N_STEPS, append=True)  # and it goes on playing
    assert pool.restarts == [0, 1] and len(pool.actor_pids()) == 2


def test_failing_game_is_replaced_then_dropped_with_its_traceback(local_ray):
    agent = helpers.build_agent()
    with RayEnvPool(agent, helpers.build_agent, helpers.make_failing_countdown, n_games=1,
                    n_workers=1, seed=SEED, max_restarts=1, cpus_per_worker=0.5) as pool:
        with pytest.warns(WorkerRestartWarning, match="the environment broke on purpose"):
            with pytest.raises(WorkerError, match=r"(?s)RuntimeError: the environment broke on "
                                                  r"purpose.*no Ray game worker is left"):
                pool.update(N_STEPS, append=True)
        assert pool.restarts == [1] and pool.dropped == [0] and pool.closed
        assert pool.experience_replay.rewards.get_value().shape[0] == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"n_workers": 0}, r"`n_workers` must be an int >= 1, got 0"),
    ({"max_restarts": -1}, r"`max_restarts` must be an int >= 0, got -1"),
    ({"agent_builder": lambda: None}, "`agent_builder` must be a module-level function"),
], ids=["n-workers", "max-restarts", "lambda-builder"])
def test_bad_arguments_start_no_actor(local_ray, kwargs, message):
    arguments = dict(agent=helpers.build_agent(), agent_builder=helpers.build_agent,
                     make_env=helpers.make_countdown)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        RayEnvPool(**arguments)
