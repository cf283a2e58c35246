"""AgentNet: deep reinforcement learning on Theano and Lasagne.

Draw one tick of an agent as a Lasagne graph and let AgentNet unroll it into
sessions, replay recorded sessions and build learning objectives.
"""
import agentnet_compat

agentnet_compat.install()  # already done at start-up by the .pth file; idempotent

import lasagne  # noqa: E402  (the hook must be in place before Lasagne loads)

from agentnet_compat.backports import install as _install_backports  # noqa: E402

_install_backports(lasagne)  # for a Lasagne imported before the hook was installed

from agentnet_compat import theano_cache_keys as _theano_cache_keys  # noqa: E402

_theano_cache_keys.install()  # before anything compiles: see the module's docstring

from . import agent, environment, memory, objective, resolver, utils  # noqa: E402
from .agent import Agent, Recurrence  # noqa: E402
from .utils.config import config  # noqa: E402

__version__ = '0.10.6'
__author__ = 'YandexDataSchool and contributors.'
