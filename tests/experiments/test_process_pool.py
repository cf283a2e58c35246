"""ProcessEnvPool: games in worker processes with EnvPool's timeline; weights as bytes; faults."""
import gc
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import psutil
import pytest

from agentnet.experiments.openai_gym import EnvPool, GameWorker, ProcessEnvPool, WorkerError
from agentnet.experiments.openai_gym.game_worker import reference_of, weights_to_bytes

from . import _process_pool_helpers as helpers

SEED, N_GAMES, N_STEPS = 10, 2, 6
FIELDS = ("observations", "actions", "rewards", "is_alive", "is_truncated", "memory")


def _stored(pool):
    """The pool's sessions oldest first, as a dict of numpy arrays."""
    replay = pool.experience_replay
    order = replay.chronological_order()
    variables = (replay.observations[0], replay.actions[0], replay.rewards, replay.is_alive,
                 replay.is_truncated, replay.preceding_agent_memories[0])
    return {name: v.get_value()[order] for name, v in zip(FIELDS, variables)}


def _as_fields(sessions):
    return dict(zip(FIELDS, list(sessions[:-1]) + [sessions.preceding_memories[0]]))


def _assert_worker_gone(process):
    assert not process.is_alive() and process.exitcode is not None
    assert process.pid not in [child.pid for child in psutil.Process().children(recursive=True)]


@pytest.fixture(scope="module")
def learner():
    """The learner's agent (greedy action 1), its react function and a 2-worker pool."""
    agent = helpers.build_agent()
    helpers.set_preferred_action(agent, 1)
    pool = ProcessEnvPool(agent, helpers.build_agent, helpers.make_countdown, n_games=N_GAMES,
                          n_workers=2, seed=SEED, sync_every=2,
                          sync_variables=helpers.sync_epsilon)
    yield agent, agent.get_react_function(), pool
    pool.close()


def check_sessions_equal_in_process_pools(agent, react, pool):
    """Five updates of a 2-worker pool store what two EnvPools seeded per worker record."""
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
    # the timeline is all there: a dead reset tick, a time limit, a game of length 2
    assert stored["is_truncated"].any() and not stored["is_alive"].all()
    np.testing.assert_array_equal(stored["rewards"][2], [10, 11, 0, 10, 11, 0])
    np.testing.assert_array_equal(stored["is_alive"][2], [1, 1, 0, 1, 1, 1])


def test_sessions_equal_in_process_pools_seeded_the_same_way(learner):
    check_sessions_equal_in_process_pools(*learner)


def test_weights_versions_and_policy_lag(learner):
    """sync_every=2, prefetch=1: pushes at updates 1, 3, 5; lag 0 at first, then 1 or 2."""
    _, _, pool = learner
    if pool.n_updates != 5:
        pytest.skip("needs the five updates of the previous test")
    assert pool.policy_lags == [0, 0, 1, 1, 2, 2, 1, 1, 2, 2]
    np.testing.assert_array_equal(pool.weights_versions, [1] * 12 + [2] * 8)
    assert pool.policy_lag == {"last": 2, "mean": 1.2, "max": 2}


def check_pushed_weights_and_variables_change_actions(agent, pool):
    """Greedy action 1 -> 0 one update after the push; epsilon 1 brings both actions."""
    helpers.set_preferred_action(agent, 0)
    version = pool.push_weights()
    pool.update(N_STEPS, append=True)  # requested before the push: still the old weights
    pool.update(N_STEPS, append=True)
    actions = _stored(pool)["actions"][:, :-1]  # the last tick's action is a random bootstrap
    assert (actions[-8:-4] == 1).all() and (actions[-4:] == 0).all()
    np.testing.assert_array_equal(pool.weights_versions[-4:], version)
    agent.action_layers[0].epsilon.set_value(np.float32(1))  # all actions random now
    pool.push_weights()
    pool.update(N_STEPS, append=True)
    pool.update(N_STEPS, append=True)
    agent.action_layers[0].epsilon.set_value(np.float32(0))
    assert set(np.unique(_stored(pool)["actions"][-4:, :-1])) == {0, 1}


def test_pushed_weights_and_variables_change_the_workers_actions(learner):
    check_pushed_weights_and_variables_change_actions(learner[0], learner[2])


def test_changing_the_segment_length_is_an_error(learner):
    _, _, pool = learner
    with pytest.raises(ValueError, match=r"n_steps=6, add_last_observation=True are already "
                                         r"being played\), got 7, True"):
        pool.update(N_STEPS + 1, append=True)
    assert not pool.closed


@pytest.fixture
def ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt, as in a terminal.

    A shell that starts a job in the background (``make test &``, some CI
    runners) has it ignore SIGINT, and Python then installs no handler.
    Automatic garbage collection is off meanwhile: a collection runs Python
    callbacks (hypothesis registers one), and a KeyboardInterrupt raised
    inside one of them is lost to the test (pytest reports it as unraisable).
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_raises")
def test_interrupt_while_storing_arrives_after_a_whole_segment_is_stored(learner):
    _, _, pool = learner
    seen = []

    def interrupting(*fields):
        os.kill(os.getpid(), signal.SIGINT)
        seen.append(fields)
        return fields

    n_stored = len(_stored(pool)["rewards"])
    with pytest.raises(KeyboardInterrupt):
        pool.update(N_STEPS, append=True, preprocess=interrupting)
    stored = _stored(pool)
    assert not pool.closed and len(stored["rewards"]) == n_stored + 2 * N_GAMES
    for name, array in zip(FIELDS[:4], seen[0][:4]):
        np.testing.assert_array_equal(stored[name][-2 * N_GAMES:], array, err_msg=name)
    assert len(pool.weights_versions) == n_stored + 2 * N_GAMES


def test_game_worker_is_bytes_in_bytes_out(learner):
    """The class a process (or a Ray actor) hosts: same sessions as EnvPool.record."""
    from agentnet.experiments.openai_gym._sessions import sessions_from_bytes
    agent, react, _ = learner
    worker = GameWorker("tests.experiments._process_pool_helpers:build_agent",
                        helpers.make_countdown, n_games=N_GAMES, seed=SEED)
    worker.set_weights(weights_to_bytes(agent), version=7)
    sessions, extras = sessions_from_bytes(worker.play(N_STEPS))
    reference = EnvPool(agent, helpers.make_countdown, n_games=N_GAMES, agent_step=react,
                        seed=SEED)
    for name, array in _as_fields(reference.record(N_STEPS)).items():
        np.testing.assert_array_equal(_as_fields(sessions)[name], array, err_msg=name)
    assert int(extras["weights_version"]) == 7
    np.testing.assert_array_equal(extras["episode_returns"], reference.episode_returns)
    worker.close()


def test_segment_bytes_hold_numeric_arrays_only():
    from agentnet.experiments.openai_gym import _sessions
    sessions = _sessions.RecordedSessions(
        np.arange(24, dtype="float32").reshape(2, 3, 4), np.ones((2, 3), "int64"),
        np.full((2, 3), 0.5), np.ones((2, 3), "uint8"), np.zeros((2, 3), "uint8"),
        [np.arange(2, dtype="float64")[:, None]])
    data = _sessions.sessions_to_bytes(sessions, weights_version=np.int64(3))
    back, extras = _sessions.sessions_from_bytes(data)
    for name, array in _as_fields(sessions).items():
        np.testing.assert_array_equal(_as_fields(back)[name], array)
        assert _as_fields(back)[name].dtype == array.dtype
    assert extras["weights_version"].shape == () and int(extras["weights_version"]) == 3
    with pytest.raises(ValueError, match="cut short in array 'observations'"):
        _sessions.sessions_from_bytes(data[:-150])
    with pytest.raises(ValueError, match="1 bytes are left"):
        _sessions.sessions_from_bytes(data + b"x")
    with pytest.raises(ValueError, match="only numeric arrays are accepted, got dtype object"):
        _sessions.arrays_from_bytes(_sessions.arrays_to_bytes([("x", np.array([None]))]))
    with pytest.raises(ValueError, match="no observations"):
        _sessions.sessions_from_bytes(_sessions.arrays_to_bytes([("x", np.zeros(2))]))


def _closure():
    return lambda: None


@pytest.mark.parametrize("kwargs, message", [
    ({"agent_builder": lambda: None}, "`agent_builder` must be a module-level function"),
    ({"agent_builder": _closure()}, "`agent_builder` must be a module-level function"),
    ({"agent_builder": "no_such_module:build"}, "`agent_builder` names 'no_such_module:build'"),
    ({"make_env": lambda: None}, "`make_env` must be a module-level function"),
    ({"vector_env": object()}, "`vector_env` must be None, 'sync' or 'async'"),
    ({"prefetch": -1}, r"`prefetch` must be an int >= 0, got -1"),
    ({"n_workers": 0}, r"`n_workers` must be an int >= 1, got 0"),
    ({"start_method": "fork"}, "`start_method` must be 'spawn' or 'forkserver'"),
], ids=["lambda", "closure", "unimportable", "env-lambda", "vector-env", "prefetch",
        "n-workers", "fork"])
def test_bad_arguments_start_no_process(learner, kwargs, message):
    arguments = dict(agent=learner[0], agent_builder=helpers.build_agent,
                     make_env=helpers.make_countdown)
    arguments.update(kwargs)
    before = {child.pid for child in psutil.Process().children()}
    with pytest.raises(ValueError, match=message):
        ProcessEnvPool(**arguments)
    assert {child.pid for child in psutil.Process().children()} <= before
    assert reference_of(helpers.build_agent) == \
        "tests.experiments._process_pool_helpers:build_agent"


def test_worker_exception_arrives_with_its_traceback(learner):
    pool = ProcessEnvPool(learner[0], helpers.build_agent, helpers.make_failing_countdown,
                          n_games=1, seed=SEED)
    with pytest.raises(WorkerError, match=r"(?s)game worker 0 \(pid \d+\) raised an exception:"
                                          r".*in step.*the environment broke on purpose"):
        pool.update(N_STEPS, append=True)
    assert pool.closed and pool.experience_replay.rewards.get_value().shape[0] == 0
    assert pool.processes[0].exitcode == 1
    _assert_worker_gone(pool.processes[0])


def _run_learner_script(tmp_path, body):
    """Run ``body`` as a learner script in a fresh interpreter (killed after 300 s); its stdout."""
    path = tmp_path / "learner.py"
    path.write_text(textwrap.dedent(body))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return subprocess.run([sys.executable, str(path)], cwd=root, check=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=root), stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


def test_keyboard_interrupt_in_the_learner_shuts_the_workers_down(tmp_path):
    # In its own interpreter: a stray SIGINT cannot reach the test session, and a
    # hang fails the test after the timeout instead of stalling the suite.
    output = _run_learner_script(tmp_path, """
        import signal
        import threading
        from agentnet.experiments.openai_gym import ProcessEnvPool
        from tests.experiments import _process_pool_helpers as helpers
        if __name__ == "__main__":
            # as in a terminal, even when this test runs as a background job
            signal.signal(signal.SIGINT, signal.default_int_handler)
            agent = helpers.build_agent()
            pool = ProcessEnvPool(agent, helpers.build_agent, helpers.make_countdown,
                                  n_games=1, seed=10, prefetch=0)
            threading.Thread(target=helpers.sleep_then_interrupt, args=(0.5,)).start()
            try:
                while True:  # the interrupt lands in an update (they are all this loop does)
                    pool.update(6, append=True)
            except KeyboardInterrupt:
                print("interrupted", pool.closed, pool.processes[0].pid, flush=True)
        """)
    word, closed, pid = output.split()[-3:]
    assert word == "interrupted" and closed == "True"
    assert not psutil.pid_exists(int(pid)) or psutil.Process(int(pid)).status() == \
        psutil.STATUS_ZOMBIE


def test_interpreter_exit_shuts_the_workers_down(tmp_path):
    output = _run_learner_script(tmp_path, """
        from agentnet.experiments.openai_gym import ProcessEnvPool
        from tests.experiments import _process_pool_helpers as helpers
        if __name__ == "__main__":
            agent = helpers.build_agent()
            pool = ProcessEnvPool(agent, helpers.build_agent, helpers.make_countdown)
            pool.update(4)
            print(pool.processes[0].pid, flush=True)
        """)
    pid = int(output.split()[-1])
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_close_while_the_workers_start_leaves_none():
    pool = ProcessEnvPool(helpers.build_agent(), helpers.build_agent, helpers.make_countdown)
    pool.close()
    pool.close()
    _assert_worker_gone(pool.processes[0])
    with pytest.raises(RuntimeError, match="closed"):
        pool.push_weights()


def test_killed_worker_is_a_named_error_stores_nothing_and_stops_the_others(learner):
    """Last test of the module pool: it closes it."""
    _, _, pool = learner
    before = _stored(pool)
    survivor, victim = pool.processes
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    with pytest.raises(WorkerError, match=r"game worker 1 \(pid %i\) died with exit code -9 "
                                          r"\(SIGKILL\)" % victim.pid) as error:
        pool.update(N_STEPS, append=True)
    assert error.value.exitcode == -9 and error.value.worker_index == 1 and pool.closed
    for name, array in _stored(pool).items():
        np.testing.assert_array_equal(array, before[name])
    with pytest.raises(RuntimeError, match="closed"):
        pool.update(N_STEPS, append=True)
    # It quits when told once its segment is played, or is terminated after QUIT_TIMEOUT on a
    # machine too busy to finish the segment in time: either way it is gone, not killed.
    assert survivor.exitcode in (0, -signal.SIGTERM)
    for process in (survivor, victim):
        _assert_worker_gone(process)


def test_builder_kwargs_reach_the_builder_as_plain_data():
    from agentnet.experiments.openai_gym.process_pool import worker_specs
    spec, = worker_specs(helpers.build_agent_preferring, helpers.make_countdown, 1, 1, SEED,
                         None, None, builder_kwargs={"action": 0})
    worker = GameWorker.from_spec(spec, 0)
    from agentnet.experiments.openai_gym._sessions import sessions_from_bytes
    sessions, _ = sessions_from_bytes(worker.play(N_STEPS))
    assert (np.asarray(sessions.actions)[:, :-1] == 0).all()
    worker.close()


@pytest.mark.parametrize("builder_kwargs, message", [
    ({"action": object()}, r"`builder_kwargs` must hold plain data"),
    ({1: 2}, r"`builder_kwargs` must be a dict with str keys or None, got \{1: 2\}"),
    ([("action", 0)], r"`builder_kwargs` must be a dict with str keys or None"),
], ids=["object", "int-key", "list"])
def test_builder_kwargs_must_be_plain_data(builder_kwargs, message):
    from agentnet.experiments.openai_gym.process_pool import worker_specs
    with pytest.raises(TypeError, match=message):
        worker_specs(helpers.build_agent, helpers.make_countdown, 1, 1, SEED, None, None,
                     builder_kwargs=builder_kwargs)
