"""Observation wrappers for gymnasium environments, and the standard Atari pipeline.

:func:`make_atari` builds the DQN preprocessing from gymnasium's own
wrappers (``AtariPreprocessing`` and ``FrameStackObservation``), uint8 from
the emulator to the replay pool. :class:`PreprocessImage` and
:class:`FrameBuffer` keep the original AgentNet wrappers' behaviour for old
scripts, rebuilt on gymnasium with OpenCV instead of ``scipy.misc.imresize``.
"""
import numpy as np

__all__ = ["make_atari", "FireAtLifeStart", "PreprocessImage", "FrameBuffer"]


def make_atari(game="ALE/Breakout-v5", frame_skip=4, screen_size=84, stack=4,
               terminal_on_life_loss=False, noop_max=30, fire_reset=False, **make_kwargs):
    """An Atari environment with the DQN preprocessing (Mnih et al. 2015).

    Frames are max-pooled over the skipped frames, converted to grayscale,
    resized to ``screen_size`` and stacked: observations are uint8
    ``[stack, screen_size, screen_size]``.

    Parameters
    ----------
    game : str
        An ``ALE/...`` gymnasium id; the emulator's own frame skip is turned
        off (``frameskip=1``) since ``AtariPreprocessing`` skips frames.
    frame_skip, screen_size : int
        For ``gymnasium.wrappers.AtariPreprocessing``.
    stack : int
        Frames per observation (``FrameStackObservation``).
    terminal_on_life_loss : bool
    noop_max : int
        For ``gymnasium.wrappers.AtariPreprocessing``.
    fire_reset : bool
        Press FIRE at the start of every life (:class:`FireAtLifeStart`), for
        games such as Breakout that wait for it before the ball is served.
    **make_kwargs
        For ``gymnasium.make`` (e.g. ``render_mode="rgb_array"``).
    """
    import ale_py
    import gymnasium as gym
    gym.register_envs(ale_py)
    env = gym.make(game, frameskip=1, **make_kwargs)
    env = gym.wrappers.AtariPreprocessing(env, frame_skip=frame_skip, screen_size=screen_size,
                                          terminal_on_life_loss=terminal_on_life_loss,
                                          noop_max=noop_max)
    if fire_reset:
        env = FireAtLifeStart(env)
    return gym.wrappers.FrameStackObservation(env, stack)


def _gym():
    import gymnasium as gym
    return gym


class FireAtLifeStart(_gym().Wrapper):
    """Press FIRE after every reset and after every lost life that does not end the episode.

    Breakout (and a few other ALE games) stand still until FIRE is pressed;
    an agent then first has to discover FIRE before anything else can be
    learnt. With this wrapper every life starts in play. After a lost life
    the FIRE step's reward is added to the step that lost it; after a reset
    it is dropped, since ``reset`` returns no reward (it is 0 in the games
    that wait for FIRE, the ball not being in play yet).

    Parameters
    ----------
    env : gymnasium.Env
        An ALE environment (possibly wrapped) whose actions include ``FIRE``.
    """

    def __init__(self, env):
        super(FireAtLifeStart, self).__init__(env)
        meanings = env.unwrapped.get_action_meanings()
        if "FIRE" not in meanings:
            raise ValueError("FireAtLifeStart needs a game with a FIRE action; this one has %s"
                             % (meanings,))
        self.fire_action = meanings.index("FIRE")

    def _lives(self):
        return self.env.unwrapped.ale.lives()

    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        observation, _, terminated, truncated, info = self.env.step(self.fire_action)
        if terminated or truncated:
            return self.env.reset(**kwargs)
        return observation, info

    def step(self, action):
        lives = self._lives()
        observation, reward, terminated, truncated, info = self.env.step(action)
        if not (terminated or truncated) and 0 < self._lives() < lives:
            observation, fire_reward, terminated, truncated, info = self.env.step(self.fire_action)
            reward += fire_reward
        return observation, reward, terminated, truncated, info


class PreprocessImage(_gym().ObservationWrapper):
    """Crop, resize, optionally grayscale and scale images to float32 ``[channels, h, w]``, [0, 1].

    Parameters
    ----------
    env : gymnasium.Env with image observations ``[h, w, 3]``
    height, width : int
    grayscale : bool
    crop : callable
        Applied to the raw image first.
    """

    def __init__(self, env, height=64, width=64, grayscale=True, crop=lambda img: img):
        super(PreprocessImage, self).__init__(env)
        self.img_size = (height, width)
        self.grayscale = grayscale
        self.crop = crop
        channels = 1 if grayscale else 3
        self.observation_space = _gym().spaces.Box(0.0, 1.0, (channels, height, width),
                                                   dtype=np.float32)

    def observation(self, img):
        import cv2
        img = cv2.resize(np.ascontiguousarray(self.crop(img)), self.img_size[::-1],
                         interpolation=cv2.INTER_AREA)
        if self.grayscale:
            img = img.mean(-1, keepdims=True)
        return (np.transpose(img, (2, 0, 1)) / 255.).astype(np.float32)


class FrameBuffer(_gym().Wrapper):
    """Observation = the last ``n_frames`` observations stacked on a new first axis, newest first.

    Parameters
    ----------
    env : gymnasium.Env
    n_frames : int
    """

    def __init__(self, env, n_frames=4):
        super(FrameBuffer, self).__init__(env)
        if n_frames < 1:
            raise ValueError("`n_frames` must be >= 1, got %r" % (n_frames,))
        space = env.observation_space
        shape = (n_frames,) + tuple(space.shape)
        self.observation_space = _gym().spaces.Box(
            np.broadcast_to(space.low, shape), np.broadcast_to(space.high, shape),
            dtype=space.dtype)
        self.framebuffer = np.zeros(shape, dtype=space.dtype)

    def reset(self, **kwargs):
        observation, info = self.env.reset(**kwargs)
        self.framebuffer[:] = 0
        self._push(observation)
        return self.framebuffer.copy(), info

    def step(self, action):
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._push(observation)
        return self.framebuffer.copy(), reward, terminated, truncated, info

    def _push(self, observation):
        self.framebuffer[1:] = self.framebuffer[:-1].copy()
        self.framebuffer[0] = observation
