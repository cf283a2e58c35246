"""Attach the backports to an imported Lasagne where it lacks them (see the package docstring)."""
import inspect
import sys
import types
from importlib.machinery import ModuleSpec

from . import incoming, nonlinearities, normalization, special
from .dense import DenseLayer
from .recurrent import lstm_get_output_for

__all__ = ["install"]

#: Where later Lasagne versions keep each backport: {lasagne submodule: [(name, object)]}.
_LOCATIONS = {
    "layers": [(name, getattr(special, name)) for name in special.__all__]
    + [(name, getattr(normalization, name)) for name in normalization.__all__],
    "layers.special": [(name, getattr(special, name)) for name in special.__all__],
    "layers.normalization": [(name, getattr(normalization, name))
                             for name in normalization.__all__],
    "nonlinearities": [("elu", nonlinearities.elu)],
}


def _submodule(lasagne_module, dotted):
    """``lasagne.<dotted>``, created and registered in ``sys.modules`` if it does not exist."""
    module = lasagne_module
    for part in dotted.split("."):
        child = getattr(module, part, None)
        if child is None:
            child = types.ModuleType("%s.%s" % (module.__name__, part),
                                     "Added by agentnet_compat.backports.")
            child.__spec__ = ModuleSpec(child.__name__, None)
            child.__all__ = []
            setattr(module, part, child)
            sys.modules[child.__name__] = child
        module = child
    return module


def _attach(module, name, value):
    """Set ``module.name`` unless it exists; list it in the module's ``__all__`` if any."""
    if hasattr(module, name):
        return
    setattr(module, name, value)
    exported = getattr(module, "__all__", None)
    if isinstance(exported, list) and name not in exported:
        exported.append(name)


def _install_dense_layer(layers):
    if "num_leading_axes" in inspect.signature(layers.DenseLayer.__init__).parameters:
        return
    layers.DenseLayer = DenseLayer
    layers.dense.DenseLayer = DenseLayer


def _install_lstm_output(lasagne_module):
    # Only the 0.1 release has the output-gate bug; master fixed it two months later. The
    # method is replaced in place: 0.1's constructor calls super() through the module-global
    # name LSTMLayer, so a subclass installed under that name would recurse into it.
    if getattr(lasagne_module, "__version__", None) == "0.1":
        lasagne_module.layers.recurrent.LSTMLayer.get_output_for = lstm_get_output_for


def install(lasagne_module):
    """Make the backports reachable from ``lasagne_module`` where they are missing.

    Attaches each name of the table in the module docstring to
    ``lasagne.layers``, its submodule and ``lasagne.nonlinearities``,
    creating ``lasagne.layers.special`` (also in ``sys.modules``) when
    absent. Names Lasagne already defines are kept, except that
    ``lasagne.layers.DenseLayer`` and ``lasagne.layers.dense.DenseLayer``
    become :class:`DenseLayer` when Lasagne's has no ``num_leading_axes``,
    and, when Lasagne is release 0.1, ``LSTMLayer.get_output_for`` becomes
    :func:`lstm_get_output_for`. The constructors of ``Layer`` and
    ``MergeLayer`` then name an argument that is neither a layer nor a shape
    (:mod:`.incoming`). Idempotent.

    Parameters
    ----------
    lasagne_module : module
        The imported ``lasagne`` package.

    Returns
    -------
    module
        ``lasagne_module``.
    """
    for dotted, named_objects in _LOCATIONS.items():
        module = _submodule(lasagne_module, dotted)
        for name, value in named_objects:
            _attach(module, name, value)
    _install_dense_layer(lasagne_module.layers)
    _install_lstm_output(lasagne_module)
    incoming.install(lasagne_module.layers)
    return lasagne_module
