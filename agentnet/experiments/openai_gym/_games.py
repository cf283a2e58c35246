"""Stepping several gymnasium games with AgentNet's session timeline.

Both backends return, for each game, what the tick produced: after a
terminal (or truncated) step, the next call resets that game instead of
stepping it and reports its reset observation with reward 0. That is
gymnasium's ``AutoresetMode.NEXT_STEP``, which the vector backend requires.
"""
import numpy as np

__all__ = ["make_env", "SequentialGames", "VectorGames"]


def make_env(make_env_or_id):
    """A new environment from a callable or a gymnasium id (ALE ids register ale-py first).

    Raises
    ------
    TypeError
        When ``make_env`` is neither a callable nor a string.
    ValueError
        When gymnasium does not know the id (with gymnasium's own message).
    """
    import gymnasium as gym
    if callable(make_env_or_id):
        return make_env_or_id()
    if not isinstance(make_env_or_id, str):
        raise TypeError("`make_env` must be a callable making an environment or a gymnasium id "
                        "such as 'CartPole-v1', got %s" % type(make_env_or_id).__name__)
    if make_env_or_id.startswith("ALE/"):
        import ale_py
        gym.register_envs(ale_py)
    try:
        return gym.make(make_env_or_id)
    except gym.error.Error as error:
        raise ValueError("cannot make environment %r: gymnasium says: %s"
                         % (make_env_or_id, error)) from error


class SequentialGames(object):
    """``n_games`` environments stepped one after another in this process."""

    def __init__(self, make, n_games):
        self.envs = [make_env(make) for _ in range(n_games)]
        self.single_observation_space = self.envs[0].observation_space
        self.single_action_space = self.envs[0].action_space

    def reset(self, seed=None):
        n_envs = len(self.envs)
        seeds = [None] * n_envs if seed is None else [seed + i for i in range(n_envs)]
        for env, s in zip(self.envs, seeds):
            env.action_space.seed(s)
        return [env.reset(seed=s)[0] for env, s in zip(self.envs, seeds)]

    def step(self, actions, just_ended):
        """Returns lists: observations, rewards, terminated, truncated, infos."""
        results = []
        for env, action, ended in zip(self.envs, actions, just_ended):
            if ended:
                observation, info = env.reset()
                results.append((observation, 0.0, False, False, info))
            else:
                results.append(env.step(action))
        return [list(column) for column in zip(*results)]

    def sample_actions(self):
        return [env.action_space.sample() for env in self.envs]

    def close(self):
        for env in self.envs:
            env.close()


class VectorGames(object):
    """A gymnasium vector environment (``NEXT_STEP`` autoreset only)."""

    def __init__(self, vector_env):
        import gymnasium as gym
        mode = vector_env.metadata.get("autoreset_mode")
        if mode != gym.vector.AutoresetMode.NEXT_STEP:
            raise ValueError("the vector environment must use autoreset_mode=AutoresetMode."
                             "NEXT_STEP (a finished game resets on the following step, as in "
                             "AgentNet's session timeline); got %s" % (mode,))
        self.env = vector_env
        self.single_observation_space = vector_env.single_observation_space
        self.single_action_space = vector_env.single_action_space

    def reset(self, seed=None):
        if seed is not None:
            self.env.action_space.seed(seed)
        observations, _ = self.env.reset(seed=seed)
        return list(observations)

    def step(self, actions, just_ended):
        observations, rewards, terminated, truncated, infos = self.env.step(np.asarray(actions))
        per_game_infos = [{k: v[i] for k, v in infos.items() if not k.startswith("_")}
                          for i in range(len(rewards))]
        return (list(observations), list(rewards), list(terminated), list(truncated),
                per_game_infos)

    def sample_actions(self):
        return list(self.env.action_space.sample())

    def close(self):
        self.env.close()
