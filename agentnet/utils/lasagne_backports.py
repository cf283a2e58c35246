"""The Lasagne master layers AgentNet backports, under their former AgentNet name.

They live in :mod:`agentnet_compat.backports` (and, once Lasagne is imported,
where Lasagne master keeps them: ``lasagne.layers.ScaleLayer``...); this
module keeps ``from agentnet.utils.lasagne_backports import ScaleLayer``
working.
"""
from agentnet_compat.backports import (BatchNormLayer, BiasLayer, DenseLayer,  # noqa: F401
                                       ExpressionLayer, ScaleLayer, batch_norm, elu, install,
                                       lstm_get_output_for, lstm_step, standardize)
from agentnet_compat.backports import __all__  # noqa: F401
