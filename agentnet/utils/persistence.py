"""Saving and loading network weights, safely.

A checkpoint is a ``.npz`` archive of the parameter values plus a JSON
header (format version, library versions, and each parameter's name, dtype
and shape). Saving writes a temporary file next to the target and renames it
over the target, so an interrupted save never corrupts an existing
checkpoint. Loading never unpickles: arrays are read with
``allow_pickle=False``, and files of the original AgentNet (a pickled list of
arrays) go through an unpickler that admits numpy arrays and nothing else.
"""
import io
import json
import os
import pickle
import tempfile
import zipfile

import numpy as np
from lasagne.layers import get_all_params, set_all_param_values

__all__ = ["save", "load"]

FORMAT_VERSION = 1
_HEADER_KEY = "agentnet_header"


def _versions():
    import lasagne
    import theano
    from .. import __version__
    return {"agentnet": __version__, "theano": theano.__version__, "lasagne": lasagne.__version__,
            "numpy": np.__version__}


def _header(params, values):
    entries = [{"name": p.name, "dtype": str(v.dtype), "shape": list(v.shape)}
               for p, v in zip(params, values)]
    return {"format": FORMAT_VERSION, "versions": _versions(), "params": entries}


def save(nn, filename):
    """Write the values of every parameter of ``nn`` (all tags) to ``filename`` atomically.

    Parameters
    ----------
    nn : layer or list of layers
    filename : str
        Written as given (``.npz`` content, whatever the extension).
    """
    params = get_all_params(nn)
    values = [p.get_value() for p in params]
    arrays = {"param_%05i" % i: value for i, value in enumerate(values)}
    header = json.dumps(_header(params, values)).encode("utf-8")
    arrays[_HEADER_KEY] = np.frombuffer(header, dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(filename))
    descriptor, temporary = tempfile.mkstemp(prefix=".agentnet-save-", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            np.savez(stream, **arrays)
        os.replace(temporary, filename)
    except BaseException:
        os.unlink(temporary)
        raise


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays and plain containers; refuses every other global."""

    # What a protocol-2 pickle of a list of arrays references; _codecs.encode turns the raw
    # array bytes (pickled as latin-1 text) back into bytes and can do nothing else.
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
                ("numpy", "dtype"), ("copy_reg", "_reconstructor"),
                ("copyreg", "_reconstructor"), ("__builtin__", "object"), ("builtins", "object"),
                ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError("refusing to load %s.%s: only numpy arrays may be read "
                                         "from a legacy AgentNet weights file" % (module, name))
        return super(_ArraysOnlyUnpickler, self).find_class(module, name)


def _load_legacy(raw):
    values = _ArraysOnlyUnpickler(io.BytesIO(raw), encoding="latin1").load()
    if not isinstance(values, list) or not all(isinstance(v, np.ndarray) for v in values):
        raise ValueError("a legacy AgentNet weights file must hold a list of numpy arrays")
    return values, None


def _load_npz(raw):
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        if _HEADER_KEY not in archive.files:
            raise ValueError("not an AgentNet checkpoint: no header")
        header = json.loads(archive[_HEADER_KEY].tobytes().decode("utf-8"))
        values = [archive["param_%05i" % i] for i in range(len(header["params"]))]
    return values, header


def _read(filename):
    with open(filename, "rb") as stream:
        raw = stream.read()
    try:
        return _load_npz(raw) if raw[:2] == b"PK" else _load_legacy(raw)
    except (zipfile.BadZipFile, EOFError, KeyError, pickle.UnpicklingError, ValueError,
            OSError) as error:
        raise ValueError("cannot load weights from %s: %s" % (filename, error)) from error


def _check_compatible(params, values, header, filename):
    if len(values) != len(params):
        raise ValueError("%s holds %i parameters but the network has %i"
                         % (filename, len(values), len(params)))
    names = [entry["name"] for entry in header["params"]] if header else [None] * len(values)
    for i, (param, value, name) in enumerate(zip(params, values, names)):
        expected = param.get_value(borrow=True)
        if value.shape != expected.shape or value.dtype != expected.dtype:
            raise ValueError("parameter %i (%s) in %s has shape %s and dtype %s; the network "
                             "expects %s and %s for %s"
                             % (i, name, filename, value.shape, value.dtype, expected.shape,
                                expected.dtype, param.name))


def load(nn, filename):
    """Set every parameter of ``nn`` from ``filename``; returns ``nn``.

    Raises
    ------
    ValueError
        If the file is damaged or not a checkpoint, or its parameter count,
        shapes or dtypes differ from the network's (naming the first
        mismatch). Nothing is changed then.
    """
    params = get_all_params(nn)
    values, header = _read(filename)
    _check_compatible(params, values, header, filename)
    set_all_param_values(nn, values)
    return nn
