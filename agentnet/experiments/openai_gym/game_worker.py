"""A game worker: builds its own agent, plays games; weights in and sessions out as bytes.

:class:`GameWorker` is plain Python with bytes in and bytes out, so any host
can run it: a process started by
:class:`~agentnet.experiments.openai_gym.process_pool.ProcessEnvPool` today,
a Ray actor or another machine later. Nothing crossing the host boundary is
pickled: weights are the ``.npz`` bytes of
:func:`agentnet.utils.persistence.save_bytes`, sessions raw numpy arrays
behind a JSON header (``_sessions.sessions_to_bytes``), and the agent is
never sent at all: the worker builds it by calling a builder function it
imports by name (``"package.module:function"``).
"""
import functools
import importlib
import inspect
import json

import numpy as np

from ...utils.persistence import load_bytes, save_bytes
from ._sessions import arrays_from_bytes, arrays_to_bytes, sessions_to_bytes

__all__ = ["GameWorker", "reference_of", "resolve_reference", "acting_layers",
           "weights_to_bytes", "variables_to_bytes", "check_builder_kwargs"]

_VARIABLE_KEY = "variable_%05i"


def _module_attribute(module_name, qualname):
    target = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def resolve_reference(reference, argument="reference"):
    """The object a ``"module:qualname"`` string names (callables are returned as they are).

    Raises
    ------
    ValueError
        If the string is not of that form or names nothing importable.
    """
    if callable(reference):
        return reference
    if not isinstance(reference, str) or reference.count(":") != 1:
        raise ValueError("`%s` must be a callable or a 'module:function' string, got %r"
                         % (argument, reference))
    module_name, qualname = reference.split(":")
    try:
        return _module_attribute(module_name, qualname)
    except (ImportError, AttributeError) as error:
        raise ValueError("`%s` names %r, which cannot be imported: %s"
                         % (argument, reference, error)) from error


def reference_of(function, argument="function"):
    """``"module:qualname"`` of a module-level function, checked to import back to it.

    A game worker in another process imports the function by this name, so
    lambdas, closures and methods of local classes are refused here, in the
    learner, with the argument's name.

    Raises
    ------
    ValueError
        If ``function`` is not importable by its module and qualified name.
    """
    if isinstance(function, str):
        resolve_reference(function, argument)
        return function
    module_name = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", "")
    if not callable(function) or module_name is None or "<" in qualname:
        raise ValueError("`%s` must be a module-level function that another process can import "
                         "by name (not a lambda, closure or bound object), got %r"
                         % (argument, function))
    try:
        found = _module_attribute(module_name, qualname)
    except (ImportError, AttributeError):
        found = None
    if found is not function:
        raise ValueError("`%s` must be importable as %s:%s, but that name does not give back "
                         "%r" % (argument, module_name, qualname, function))
    return "%s:%s" % (module_name, qualname)


def acting_layers(agent):
    """The layers whose parameters decide what the agent does: new memories and actions."""
    return list(agent.agent_states) + list(agent.action_layers)


def weights_to_bytes(agent):
    """The acting weights of ``agent`` as checkpoint bytes (see ``persistence.save_bytes``)."""
    return save_bytes(acting_layers(agent))


def variables_to_bytes(variables):
    """Values of Theano shared variables (e.g. an exploration epsilon) as bytes of arrays."""
    return arrays_to_bytes([(_VARIABLE_KEY % i, np.asarray(v.get_value()))
                            for i, v in enumerate(variables)])


def _set_variables(variables, data):
    """Set shared variables from :func:`variables_to_bytes` output, checking shapes and dtypes."""
    values = list(arrays_from_bytes(data).values())
    if len(values) != len(variables):
        raise ValueError("got values of %i synchronised variables, the worker's agent has %i"
                         % (len(values), len(variables)))
    for variable, value in zip(variables, values):
        expected = np.asarray(variable.get_value())
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise ValueError("synchronised variable %s is %s %s here, got %s %s"
                             % (variable.name, expected.dtype, expected.shape, value.dtype,
                                value.shape))
        variable.set_value(np.array(value))


def _build_agent(agent_builder, worker_index, builder_kwargs):
    """Call the builder with ``builder_kwargs`` (and ``worker_index=`` if it takes that)."""
    builder = resolve_reference(agent_builder, "agent_builder")
    kwargs = dict(builder_kwargs or {})
    if "worker_index" in inspect.signature(builder).parameters:
        kwargs["worker_index"] = worker_index
    return builder(**kwargs)


def check_builder_kwargs(builder_kwargs, argument="builder_kwargs"):
    """Keyword arguments as a dict of JSON data (they travel to workers as plain data), or {}."""
    if builder_kwargs is None:
        return {}
    if not isinstance(builder_kwargs, dict) or not all(isinstance(k, str) for k in builder_kwargs):
        raise TypeError("`%s` must be a dict with str keys or None, got %r"
                        % (argument, builder_kwargs))
    try:
        json.dumps(builder_kwargs)
    except (TypeError, ValueError) as error:
        raise TypeError("`%s` must hold plain data (numbers, strings, lists, dicts): it is "
                        "sent to the workers as it is, never pickled; %s"
                        % (argument, error)) from None
    return dict(builder_kwargs)


class GameWorker(object):
    """Plays ``n_games`` games with an agent it builds itself; see the module docstring.

    Parameters
    ----------
    agent_builder : callable or str
        ``agent_builder() -> agent`` (or ``agent_builder(worker_index=i)``),
        or its ``"module:function"`` name. Called once, here.
    make_env : callable or str
        Makes one environment, or a gymnasium id (as for :class:`EnvPool`).
    n_games : int
    seed : int or None
        Seeds game ``i`` with ``seed + i``, as :class:`EnvPool` does.
    vector_env : None, "sync" or "async"
    sync_variables : callable, str or None
        ``sync_variables(agent) -> list of shared variables`` set by
        :meth:`set_weights` together with the weights.
    worker_index : int
        Passed to a builder that takes ``worker_index``.
    builder_kwargs : dict or None
        Keyword arguments of the builder (plain data: numbers, strings...).

    Attributes
    ----------
    agent : MDPAgent
    pool : EnvPool
        The in-process pool that plays the games (hence the same timeline).
    weights_version : int
        Version of the weights set last (0: the builder's own).
    """

    def __init__(self, agent_builder, make_env, n_games=1, seed=None, vector_env=None,
                 sync_variables=None, worker_index=0, builder_kwargs=None):
        from .pool import EnvPool
        self.agent = _build_agent(agent_builder, worker_index, builder_kwargs)
        self.variables = list(resolve_reference(sync_variables, "sync_variables")(self.agent)) \
            if sync_variables is not None else []
        self.pool = EnvPool(self.agent, make_env, n_games=n_games, seed=seed,
                            vector_env=vector_env)
        self.weights_version = 0
        self._returns_sent = 0

    @classmethod
    def from_spec(cls, spec, worker_index):
        """The worker described by one entry of ``process_pool.worker_specs`` (plain data)."""
        make_env = spec["make_env"] if spec["make_env_is_id"] \
            else functools.partial(resolve_reference(spec["make_env"], "make_env"),
                                   **spec.get("env_kwargs", {}))
        return cls(spec["agent_builder"], make_env, spec["n_games"], spec["seed"],
                   spec["vector_env"], spec["sync_variables"], worker_index,
                   spec.get("builder_kwargs"))

    def set_weights(self, weights, version, variables=None):
        """Load acting weights (bytes of :func:`weights_to_bytes`) and synchronised variables."""
        load_bytes(acting_layers(self.agent), weights)
        if variables is not None:
            _set_variables(self.variables, variables)
        self.weights_version = int(version)

    def play(self, n_steps, add_last_observation=True):
        """Play one segment; return it as bytes (``_sessions.sessions_to_bytes``).

        Extras: ``weights_version`` (int64 scalar) and ``episode_returns``
        (float64, the episodes that ended since the previous call).
        """
        sessions = self.pool.record(n_steps, add_last_observation)
        returns = self.pool.episode_returns[self._returns_sent:]
        self._returns_sent += len(returns)
        return sessions_to_bytes(sessions, weights_version=np.int64(self.weights_version),
                                 episode_returns=np.asarray(returns, dtype="float64"))

    def close(self):
        """Close the games."""
        self.pool.games.close()

