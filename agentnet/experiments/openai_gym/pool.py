"""Playing gymnasium games with an agent and recording the sessions for experience replay."""
import numpy as np

from ...environment.session_pool import SessionPoolEnvironment, resolver_n_actions
from ...utils.logging import warn
from ...utils._validation import require_bool, require_callable, require_int, shape_str
from ..loops import play_episode, play_episodes
from ._games import SequentialGames, VectorGames
from ._sessions import RecordedSessions, store_sessions

__all__ = ["EnvPool", "GamePool"]


def _identity(observation):
    return observation


def _no_preprocessing(observations, actions, rewards, is_alive, preceding_memories):
    return observations, actions, rewards, is_alive, preceding_memories


def GamePool(*args, **kwargs):
    """Removed: use :class:`EnvPool`."""
    raise ValueError("GamePool was removed: use EnvPool (same arguments)")


def _optional_int(value, argument, minimum=1):
    """None, or ``value`` checked as an int >= ``minimum``."""
    return None if value is None else require_int(value, argument, minimum)


def _make_games(make_env, n_games, vector_env):
    if vector_env is None:
        return SequentialGames(make_env, n_games)
    if isinstance(vector_env, str):
        import gymnasium as gym
        if vector_env not in ("sync", "async"):
            raise ValueError("`vector_env` must be None, 'sync', 'async' or a gymnasium "
                             "VectorEnv, got %r" % vector_env)
        from ._games import make_env as make_one
        vector_class = (gym.vector.SyncVectorEnv if vector_env == "sync"
                        else gym.vector.AsyncVectorEnv)
        vector_env = vector_class([lambda: make_one(make_env)] * n_games,
                                  autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)
    if getattr(vector_env, "num_envs", n_games) != n_games:
        raise ValueError("`n_games` is %i but the vector environment runs %i games"
                         % (n_games, vector_env.num_envs))
    return VectorGames(vector_env)


def _check_agent(agent, games, pool):
    """One observation and one action layer, matching the game's spaces.

    The actions' dtype is the one ``pool`` stores them in (the action
    layer's ``output_dtype``, see :class:`SessionPoolEnvironment`).
    """
    if len(agent.observation_layers) != 1 or len(agent.action_layers) != 1:
        raise ValueError("EnvPool needs an agent with exactly one observation layer and one "
                         "action layer, got %i and %i" % (len(agent.observation_layers),
                                                          len(agent.action_layers)))
    expected = tuple(agent.observation_layers[0].output_shape[1:])
    given = tuple(games.single_observation_space.shape or ())
    if expected != given:
        raise ValueError("the agent's observation layer has shape %s but the environment's "
                         "observations have shape %s" % (shape_str((None,) + expected),
                                                         shape_str((None,) + given)))
    _check_actions(agent.action_layers[0], games.single_action_space, pool.actions[0].dtype)


def _check_actions(layer, space, action_dtype):
    """Discrete games need integer action ids (as many actions at most), Box games vectors."""
    import gymnasium as gym
    discrete_agent = np.dtype(action_dtype).kind in "iu"
    if isinstance(space, gym.spaces.Discrete):
        if not discrete_agent:
            raise ValueError("the environment's action space is %s (action ids) but the agent's "
                             "action layer outputs %s values: use a resolver or declare an "
                             "integer output_dtype" % (space, action_dtype))
        _require_action_shape(layer, (), space)
        n_actions = resolver_n_actions(layer)
        if n_actions is not None and n_actions > space.n:
            raise ValueError("the agent's resolver chooses among %i actions but the environment's "
                             "action space is %s" % (n_actions, space))
    elif isinstance(space, gym.spaces.Box):
        if discrete_agent:
            raise ValueError("the agent's action layer outputs discrete action ids (%s) but the "
                             "environment's action space is %s" % (action_dtype, space))
        _require_action_shape(layer, tuple(space.shape), space)


def _require_action_shape(layer, expected, space):
    """The action layer's per-row shape must be ``expected`` (the space's)."""
    if tuple(layer.output_shape[1:]) != expected:
        raise ValueError("the agent's action layer has shape %s but the environment's action "
                         "space %s needs %s" % (shape_str(layer.output_shape), space,
                                                shape_str((None,) + expected)))


class EnvPool(object):
    """Parallel gymnasium games played by an agent, recorded into a session pool.

    Parameters
    ----------
    agent : MDPAgent
        With one observation layer and one action layer.
    make_env : callable or str
        Makes one environment, or a gymnasium id (``"ALE/..."`` ids register
        ale-py).
    n_games : int >= 1
        Games played in parallel.
    max_size : int >= 1 or None
        Default ``max_pool_size`` of :meth:`update` with ``append=True``.
    preprocess_observation : callable
        Deprecated: use a gymnasium wrapper.
    agent_step : callable or None
        ``agent_step(observations, *memories) -> [actions] + new memories``;
        default ``agent.get_react_function()``.
    seed : int >= 0 or None
        Seeds game ``i`` with ``seed + i`` (environment and action space),
        making a run reproducible together with the agent's own seeds.
    vector_env : None, "sync", "async" or a gymnasium VectorEnv
        Step the games through a gymnasium vector environment; it must use
        ``AutoresetMode.NEXT_STEP``. ale-py's own
        ``ale_py.vector_env.AtariVectorEnv(game, n_games, stack_num=...)``
        qualifies (its preprocessing runs in C++ threads); ``make_env`` is
        then only used by :meth:`evaluate`.

    Raises
    ------
    TypeError, ValueError
        For a bad scalar argument, and for an agent whose observation or
        action layer does not fit the game's spaces: a ``Discrete`` game needs
        integer action ids of shape ``(None,)`` (a resolver over at most
        ``n`` actions), a ``Box`` game float actions of the box's shape.

    Attributes
    ----------
    episode_returns : list of float
        Total reward of every episode finished while playing (all games, in
        the order they ended): the training reward curve, for free.

    Notes
    -----
    Session timeline of :meth:`interact`, per game: tick ``t`` records the
    observation the action was based on, the action, its reward and the
    memory after the tick. The step that ends a game (terminated or
    truncated) is alive; the next tick resets the game, is recorded with
    ``is_alive = 0`` and reward 0, and zeroes that game's memory. Truncations
    (time limits) are also recorded in ``is_truncated``: pass
    ``is_truncated=pool.experience_replay.is_truncated`` to a learning
    objective to bootstrap through time limits instead of treating them as
    terminal.
    """

    def __init__(self, agent, make_env="ALE/SpaceInvaders-v5", n_games=1, max_size=None,
                 preprocess_observation=_identity, agent_step=None, seed=None, vector_env=None):
        if preprocess_observation is not _identity:
            warn("EnvPool(preprocess_observation=...) is deprecated: use a gymnasium "
                 "ObservationWrapper.", category=DeprecationWarning)
        self.n_games = require_int(n_games, "n_games")
        require_callable(preprocess_observation, "preprocess_observation")
        if agent_step is not None:
            require_callable(agent_step, "agent_step")
        self.max_size = _optional_int(max_size, "max_size")
        self.seed = _optional_int(seed, "seed", minimum=0)
        self.make_env = make_env
        self.experience_replay = SessionPoolEnvironment(
            observations=agent.observation_layers, actions=agent.action_layers,
            agent_memories=agent.agent_states)
        self.games = _make_games(make_env, self.n_games, vector_env)
        _check_agent(agent, self.games, self.experience_replay)
        self.agent = agent
        self.agent_step = agent_step or agent.get_react_function()
        self.preprocess_observation = preprocess_observation
        self.prev_observations = [preprocess_observation(o) for o in self.games.reset(self.seed)]
        self.prev_memory_states = agent.get_zeros_like_memory(self.n_games)
        self.just_ended = [False] * self.n_games
        self.episode_returns = []
        self._running_returns = np.zeros(self.n_games)

    @property
    def envs(self):
        """The environments (the vector environment for the vector backend)."""
        return getattr(self.games, "envs", [getattr(self.games, "env", None)])

    def _tick(self, verbose):
        outputs = self.agent_step(np.asarray(self.prev_observations), *self.prev_memory_states)
        actions, new_memories = outputs[0], [np.array(m) for m in outputs[1:]]
        observations, rewards, terminated, truncated, infos = self.games.step(
            list(actions), self.just_ended)
        alive = [not ended for ended in self.just_ended]
        for i, ended in enumerate(self.just_ended):
            if ended:
                for memory in new_memories:
                    memory[i] = 0
                rewards[i], truncated[i], infos[i] = 0.0, False, {"end": True}
                if verbose:
                    print("env %i reloaded" % i)
        record = (self.prev_observations, actions, rewards, new_memories, alive,
                  [bool(t) and a for t, a in zip(truncated, alive)], infos)
        self.just_ended = [bool(t or u) and a for t, u, a in zip(terminated, truncated, alive)]
        self._record_returns(rewards)
        self.prev_observations = [self.preprocess_observation(o) for o in observations]
        self.prev_memory_states = new_memories
        return record

    def _record_returns(self, rewards):
        self._running_returns += np.asarray(rewards, dtype="float64")
        for i, ended in enumerate(self.just_ended):
            if ended:
                self.episode_returns.append(float(self._running_returns[i]))
                self._running_returns[i] = 0.0

    def _bootstrap_record(self):
        """The extra tick that only bootstraps: current observation, random action, alive."""
        return (self.prev_observations, self.games.sample_actions(), [0.0] * self.n_games,
                self.prev_memory_states, [True] * self.n_games, [False] * self.n_games,
                [None] * self.n_games)

    def interact(self, n_steps=100, verbose=False, add_last_observation=True):
        """Play ``n_steps`` ticks in every game and return the logs, session-major.

        Parameters
        ----------
        n_steps : int >= 1
            Ticks per game.
        verbose : bool
            Print when a game is reset.
        add_last_observation : bool
            Make the last tick a bootstrap record (see below).

        Returns
        -------
        observations : array [n_games, n_steps, *obs_shape]
        actions : array [n_games, n_steps, *action_shape]
        rewards : array [n_games, n_steps]
        memories : list of arrays [n_games, n_steps, *memory_shape]
            Memory after each tick.
        is_alive : uint8 array [n_games, n_steps]
        infos : tuple over ticks of tuples over games

        With ``add_last_observation`` the last tick is a bootstrap record (the
        current observation, a random action, reward 0, alive) and the next
        call starts from that same observation.
        """
        n_steps = require_int(n_steps, "n_steps", meaning=" (ticks per game)")
        add_last_observation = require_bool(add_last_observation, "add_last_observation")
        n_ticks = n_steps - 1 if add_last_observation else n_steps
        records = [self._tick(verbose) for _ in range(n_ticks)]
        if add_last_observation:
            records.append(self._bootstrap_record())
        columns = list(zip(*records))
        observations, actions, rewards, memories, alive, truncated, infos = columns
        self.last_is_truncated = np.asarray(truncated, dtype="uint8").T
        memory_logs = [np.stack([tick[k] for tick in memories], axis=1)
                       for k in range(len(self.prev_memory_states))]
        return (np.stack([np.asarray(o) for o in observations], axis=1),
                np.stack([np.asarray(a) for a in actions], axis=1),
                np.asarray(rewards, dtype="float64").T, memory_logs,
                np.asarray(alive, dtype="uint8").T, tuple(tuple(i) for i in infos))

    def update(self, n_steps=100, append=False, max_size=None, add_last_observation=True,
               preprocess=_no_preprocessing):
        """Play ``n_steps`` ticks and load (or append) them into ``experience_replay``.

        Parameters
        ----------
        n_steps : int
        append : bool
            Append to the pool (keeping ``max_size`` sessions) instead of replacing it.
        max_size : int >= 1 or None
            Overrides the pool's ``max_size`` for this call.
        add_last_observation : bool
        preprocess : callable
            ``preprocess(observations, actions, rewards, is_alive,
            preceding_memories)`` returning the same five things.
        """
        max_size = _optional_int(max_size, "max_size")
        append = require_bool(append, "append")
        require_callable(preprocess, "preprocess")
        store_sessions(self.experience_replay, self.record(n_steps, add_last_observation),
                       append, self.max_size if max_size is None else max_size, preprocess)

    def record(self, n_steps=100, add_last_observation=True):
        """Play ``n_steps`` ticks in every game; return what :meth:`update` stores.

        Parameters
        ----------
        n_steps : int >= 1
        add_last_observation : bool
            As in :meth:`interact`.

        Returns
        -------
        RecordedSessions
            ``observations [n_games, n_steps, *obs_shape]``, ``actions``,
            ``rewards``, ``is_alive``, ``is_truncated [n_games, n_steps]`` and
            ``preceding_memories`` (the memories before the first tick).
        """
        preceding_memories = [np.copy(m) for m in self.prev_memory_states]
        observations, actions, rewards, _, is_alive, _ = self.interact(
            n_steps, add_last_observation=add_last_observation)
        return RecordedSessions(observations, actions, rewards, is_alive,
                                self.last_is_truncated, preceding_memories)

    def evaluate(self, n_games=1, save_path="./records", use_monitor=True, record_video=False,
                 verbose=True, t_max=100000, seed=None):
        """Play full games, each in a fresh environment from zero memory.

        The games play at once, one react call per tick for all the games
        still running (:func:`agentnet.experiments.loops.play_episodes`); with
        ``record_video`` they play one after the other in one recorded
        environment. Game ``i`` is reset with ``seed + i``.

        Parameters
        ----------
        n_games : int
        save_path : str
            Where videos go when ``record_video``.
        use_monitor : bool
            Accepted for compatibility (gymnasium has no Monitor).
        record_video : bool
            Record with gymnasium's ``RecordVideo`` (needs an environment made
            with ``render_mode="rgb_array"`` and moviepy).
        verbose : bool
        t_max : int
            Longest game, in ticks.
        seed : int or None

        Returns
        -------
        list of float
            Total reward of each game.
        """
        n_games, t_max = require_int(n_games, "n_games"), require_int(t_max, "t_max")
        seed = _optional_int(seed, "seed", minimum=0)
        seeds = [None if seed is None else seed + i for i in range(n_games)]
        if record_video:
            return self._play_recorded(save_path, seeds, t_max, verbose)
        return self._play_together(seeds, t_max, verbose)

    def _play_together(self, seeds, t_max, verbose):
        """One fresh environment per game, all played at once (:func:`play_episodes`)."""
        from ._games import make_env
        envs = [make_env(self.make_env) for _ in seeds]
        try:
            totals, n_ticks = play_episodes(self._react_to_raw, envs,
                                            self.agent.get_zeros_like_memory(len(envs)),
                                            t_max, seeds)
        finally:
            for env in envs:
                env.close()
        for total, ticks in zip(totals, n_ticks):
            self._report(verbose, ticks, total)
        return totals

    def _play_recorded(self, save_path, seeds, t_max, verbose):
        """The games one after the other in one environment recorded by ``RecordVideo``."""
        import gymnasium as gym
        from ._games import make_env
        env = gym.wrappers.RecordVideo(make_env(self.make_env), save_path)
        try:
            return [self._play_one(env, seed, t_max, verbose) for seed in seeds]
        finally:
            env.close()

    def _react_to_raw(self, observations, *memories):
        """``agent_step`` on raw environment observations (``preprocess_observation`` applied)."""
        return self.agent_step(np.asarray([self.preprocess_observation(o) for o in observations]),
                               *memories)

    def _play_one(self, env, seed, t_max, verbose):
        total, n_ticks = play_episode(self._react_to_raw, env, self.agent.get_zeros_like_memory(1),
                                      t_max, seed)
        self._report(verbose, n_ticks, total)
        return total

    @staticmethod
    def _report(verbose, n_ticks, total):
        if verbose:
            print("Episode finished after %i timesteps with reward=%s" % (n_ticks, total))
