"""Environments: Theano MDPs, and session pools for experience replay."""
from .base import *
from .session_batch import SessionBatchEnvironment
from .session_pool import SessionPoolEnvironment
from .prioritized import PrioritizedSessionSampler, session_priorities

__all__ = ["BaseEnvironment", "EnvironmentStepLayer", "SessionPoolEnvironment",
           "SessionBatchEnvironment", "PrioritizedSessionSampler", "session_priorities"]
