"""Environments: Theano MDPs, and session pools for experience replay."""
from .base import *
from .session_batch import SessionBatchEnvironment
from .session_pool import SessionPoolEnvironment

__all__ = ["BaseEnvironment", "EnvironmentStepLayer", "SessionPoolEnvironment",
           "SessionBatchEnvironment"]
