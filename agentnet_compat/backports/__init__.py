r"""Lasagne APIs newer than Lasagne 0.1, written for AgentNet from their documented behaviour.

AgentNet and code written for later Lasagne versions use layers that the
only PyPI release of Lasagne (0.1) lacks. They are defined here, once, and
:func:`install` (run by the start-up import hook right after ``import
lasagne``) makes them reachable where later Lasagne versions keep them. They
live in modules named as Lasagne names them: :mod:`.special`,
:mod:`.normalization`, :mod:`.dense`, :mod:`.nonlinearities`,
:mod:`.recurrent`; :mod:`.install` attaches them.

==========================  ===============================================
name                        where
==========================  ===============================================
``ScaleLayer``              ``lasagne.layers``, ``lasagne.layers.special``
``BiasLayer``               ``lasagne.layers``, ``lasagne.layers.special``
``ExpressionLayer``         ``lasagne.layers``, ``lasagne.layers.special``
``standardize``             ``lasagne.layers``, ``lasagne.layers.special``
``BatchNormLayer``          ``lasagne.layers``, ``lasagne.layers.normalization``
``batch_norm``              ``lasagne.layers``, ``lasagne.layers.normalization``
``DenseLayer``              ``lasagne.layers``, ``lasagne.layers.dense``
                            (with ``num_leading_axes``)
``elu``                     ``lasagne.nonlinearities``
``LSTMLayer``               its ``get_output_for`` (output-gate peephole
                            inside the gate's nonlinearity)
==========================  ===============================================

Names Lasagne already has are left alone; ``DenseLayer`` is replaced by the
subclass defined here only when Lasagne's own has no ``num_leading_axes``
parameter (with the default ``num_leading_axes=1`` the two behave alike),
and ``LSTMLayer.get_output_for`` by :func:`lstm_get_output_for` when Lasagne
is release 0.1, whose output gate adds its peephole after the gate's sigmoid
(fixed on Lasagne master in October 2015, Lasagne PR #449).
``lasagne.random.get_rng``/``set_rng`` already exist in 0.1 and need no
backport.

This package imports only the standard library, numpy, Theano and Lasagne,
never ``agentnet``: the hook runs it while Lasagne finishes importing.
"""
from .dense import DenseLayer
from .install import install
from .nonlinearities import elu
from .normalization import BatchNormLayer, batch_norm
from .recurrent import lstm_get_output_for, lstm_step
from .special import BiasLayer, ExpressionLayer, ScaleLayer, standardize

__all__ = ["ScaleLayer", "BiasLayer", "ExpressionLayer", "DenseLayer", "BatchNormLayer",
           "batch_norm", "standardize", "elu", "lstm_step", "lstm_get_output_for",
           "install"]
