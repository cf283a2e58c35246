"""RayEnvPool: Ray actors play with EnvPool's timeline; weights through the object store; faults.

The local Ray (2 CPUs, loopback only) is the ``local_ray`` fixture of conftest.py.
"""
import os
import signal

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from agentnet.distributed import RayEnvPool, WorkerRestartWarning  # noqa: E402
from agentnet.experiments.openai_gym import EnvPool, WorkerError  # noqa: E402

from tests.experiments import _process_pool_helpers as helpers  # noqa: E402
from tests.experiments.test_process_pool import FIELDS, N_GAMES, N_STEPS, SEED, _as_fields, \
    _stored  # noqa: E402


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
    agent, react, pool = learner
    references = [EnvPool(agent, helpers.make_countdown, n_games=N_GAMES, agent_step=react,
                          seed=SEED + worker * N_GAMES) for worker in (0, 1)]
    expected, returns = {name: [] for name in FIELDS}, []
    for _ in range(5):
        pool.update(N_STEPS, append=True)
        for reference in references:
            seen = len(reference.episode_returns)
            for name, array in _as_fields(reference.record(N_STEPS)).items():
                expected[name].append(array)
            returns += reference.episode_returns[seen:]
    stored = _stored(pool)
    for name in FIELDS:
        np.testing.assert_array_equal(stored[name], np.concatenate(expected[name]), err_msg=name)
    assert pool.episode_returns == returns
    assert stored["is_truncated"].any() and not stored["is_alive"].all()
    np.testing.assert_array_equal(stored["rewards"][2], [10, 11, 0, 10, 11, 0])
    np.testing.assert_array_equal(stored["is_alive"][2], [1, 1, 0, 1, 1, 1])
    assert pool.policy_lags == [0, 0, 1, 1, 2, 2, 1, 1, 2, 2]


def test_pushed_weights_and_variables_change_the_workers_actions(learner):
    agent, _, pool = learner
    helpers.set_preferred_action(agent, 0)
    version = pool.push_weights()
    pool.update(N_STEPS, append=True)  # requested before the push: still the old weights
    pool.update(N_STEPS, append=True)
    actions = _stored(pool)["actions"][:, :-1]
    assert (actions[-8:-4] == 1).all() and (actions[-4:] == 0).all()
    np.testing.assert_array_equal(pool.weights_versions[-4:], version)
    agent.action_layers[0].epsilon.set_value(np.float32(1))
    pool.push_weights()
    pool.update(N_STEPS, append=True)
    pool.update(N_STEPS, append=True)
    agent.action_layers[0].epsilon.set_value(np.float32(0))
    assert set(np.unique(_stored(pool)["actions"][-4:, :-1])) == {0, 1}


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
