"""Utilities: formats, tensors, gradients, shared variables, layers, persistence.

``agentnet.utils.clone`` is deliberately not star-imported; import it as a module.
"""
from .format import *
from .tensor_ops import *
from .grad import *
from .shared import *
from .layers import *
from .persistence import *
from . import config, logging
