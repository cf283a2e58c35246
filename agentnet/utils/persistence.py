"""Saving and loading network weights, safely.

A checkpoint is a ``.npz`` archive holding one array per parameter
(``param_00000``, ``param_00001``, ... in ``get_all_params`` order) and a
JSON header stored as a ``uint8`` array (``agentnet_header``)::

    {"format": 1,
     "versions": {"agentnet": ..., "theano": ..., "lasagne": ..., "numpy": ...},
     "params": [{"name": "hidden.W", "dtype": "float32", "shape": [3, 5]}, ...],
     "metadata": {...}}

``metadata`` is optional: any JSON object saved with the weights (a training
run's counters and curves, say) and read back by :func:`read_metadata`, so
that weights and progress are replaced together in one atomic write. The
architecture itself is not stored: load into a network built by the same
code. Saving writes a temporary file next to the target, flushes it to disk
and renames it over the target, so an interrupted save never damages an
existing checkpoint. Loading never unpickles: arrays are read with
``allow_pickle=False``. Files of the original AgentNet (a pickled list of
arrays, protocol 2) are read by an unpickler that can rebuild numpy arrays
and nothing else. :func:`save_bytes` and :func:`load_bytes` do the same in
memory (the same ``.npz`` bytes), for sending weights to another process.
"""
import codecs
import io
import json
import os
import pickle
import secrets
import zipfile
import zlib

import numpy as np
from lasagne.layers import Layer, get_all_param_values, get_all_params, set_all_param_values

__all__ = ["save", "load", "read_metadata", "save_bytes", "load_bytes"]

#: Version of the ``.npz`` layout written by :func:`save`.
FORMAT_VERSION = 1
_HEADER_KEY = "agentnet_header"
#: Every zip archive (hence every ``.npz``) starts with these bytes.
_ZIP_MAGIC = b"PK"
# What can go wrong while parsing a damaged or hostile file.
_PARSE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, TypeError,
                 ValueError, pickle.UnpicklingError)


def _params_of(nn):
    layers = [nn] if isinstance(nn, Layer) else nn
    if not isinstance(layers, (list, tuple)) \
            or not all(isinstance(layer, Layer) for layer in layers):
        raise TypeError("`nn` must be a lasagne layer or a list of layers, got %s"
                        % type(nn).__name__)
    return get_all_params(nn)


def _param_key(index):
    return "param_%05i" % index


def _versions():
    import lasagne
    import theano
    from .. import __version__
    return {"agentnet": __version__, "theano": theano.__version__,
            "lasagne": lasagne.__version__, "numpy": np.__version__}


def _header(params, values, metadata):
    entries = [{"name": param.name, "dtype": str(value.dtype), "shape": list(value.shape)}
               for param, value in zip(params, values)]
    header = {"format": FORMAT_VERSION, "versions": _versions(), "params": entries}
    if metadata is not None:
        header["metadata"] = metadata
    return header


def _first_non_str_key(value, path="metadata"):
    """Where a dict inside ``value`` has a key JSON would silently turn into a string, or None."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "%s key %r (%s)" % (path, key, type(key).__name__)
            found = _first_non_str_key(item, "%s[%r]" % (path, key))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        return next(filter(None, (_first_non_str_key(item, "%s[%i]" % (path, i))
                                  for i, item in enumerate(value))), None)
    return None


def _encode_header(header):
    """The header as JSON bytes; metadata that JSON cannot hold is a TypeError naming it."""
    bad_key = _first_non_str_key(header.get("metadata"))
    if bad_key:
        raise TypeError("`metadata` dict keys must be str (JSON would turn them into strings "
                        "silently), got %s" % bad_key)
    try:
        return json.dumps(header).encode("utf-8")
    except (TypeError, ValueError) as error:
        raise TypeError("`metadata` must be a JSON-serialisable dict (str keys; numbers, "
                        "strings, lists, dicts): %s" % error) from error


def save(nn, filename, metadata=None):
    """Write the values of every parameter of ``nn`` (all tags) to ``filename``, atomically.

    Parameters
    ----------
    nn : lasagne.layers.Layer or list of layers
        Every parameter below these layers is saved, trainable or not, in
        ``lasagne.layers.get_all_params`` order.
    filename : str or os.PathLike
        Written as given (``.npz`` content whatever the extension). An
        existing file is replaced only once the new one is complete.
    metadata : dict or None
        A JSON-serialisable dict stored in the header (e.g. a training run's
        step counter and curves); read it back with :func:`read_metadata`.

    Raises
    ------
    TypeError
        If ``nn`` is not a layer or a list of layers, or ``metadata`` is not
        a JSON-serialisable dict. Nothing is written then.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> import os, tempfile
    >>> net = DenseLayer(InputLayer((None, 3)), 2, name="q")
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.npz")
    >>> save(net, path)
    >>> load(net, path) is net
    True
    """
    arrays = _checkpoint_arrays(nn, metadata)
    _write_atomically(os.fspath(filename), lambda stream: np.savez(stream, **arrays))


def _checkpoint_arrays(nn, metadata):
    """The ``.npz`` entries of a checkpoint: one array per parameter and the JSON header."""
    params = _params_of(nn)
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError("`metadata` must be a dict or None, got %s" % type(metadata).__name__)
    values = get_all_param_values(nn)
    arrays = {_param_key(i): value for i, value in enumerate(values)}
    header = _encode_header(_header(params, values, metadata))
    arrays[_HEADER_KEY] = np.frombuffer(header, dtype=np.uint8)
    return arrays


def save_bytes(nn, metadata=None):
    """The checkpoint :func:`save` would write, as bytes in memory (same ``.npz`` format).

    Meant for sending weights to another process or machine (e.g. game
    workers) without pickle; read them back with :func:`load_bytes`.

    Parameters
    ----------
    nn : lasagne.layers.Layer or list of layers
    metadata : dict or None
        As in :func:`save`.

    Returns
    -------
    bytes
        An ``.npz`` archive: ``param_00000``, ... and the JSON header.

    Raises
    ------
    TypeError
        As :func:`save`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> net = DenseLayer(InputLayer((None, 3)), 2, name="q")
    >>> data = save_bytes(net)
    >>> data[:2]
    b'PK'
    >>> load_bytes(net, data) is net
    True
    """
    stream = io.BytesIO()
    np.savez(stream, **_checkpoint_arrays(nn, metadata))
    return stream.getvalue()


def _write_atomically(path, write):
    """Run ``write(stream)`` on a temporary file beside ``path``, then rename it to ``path``."""
    directory, base = os.path.split(os.path.abspath(path))
    temporary = os.path.join(directory, ".%s.%s.tmp" % (base, secrets.token_hex(8)))
    # 0o666 lets the umask decide the permissions, as for any new file.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); some systems cannot open directories."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _latin1_encode(text, encoding):
    """``_codecs.encode`` as Python-3 pickles of numpy arrays use it, restricted to latin-1."""
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError("refusing _codecs.encode(%s, %r): only latin-1 text is "
                                     "expected in a pickled array" % (type(text).__name__,
                                                                      encoding))
    return text.encode("latin-1")


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Rebuilds numpy arrays inside plain containers; refuses every other global.

    A protocol-2 pickle of a list of arrays references exactly
    ``numpy.core.multiarray._reconstruct``, ``numpy.ndarray`` and
    ``numpy.dtype``; Python 3 writers also use ``_codecs.encode`` to turn the
    array bytes (stored as latin-1 text) back into bytes.
    """

    _NUMPY = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
              ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) == ("_codecs", "encode"):
            return _latin1_encode
        if (module, name) not in self._NUMPY:
            raise pickle.UnpicklingError("refusing to load %s.%s: only numpy arrays may be read "
                                         "from a legacy AgentNet weights file" % (module, name))
        return super(_ArraysOnlyUnpickler, self).find_class(module, name)


def _read_legacy(stream):
    values = _ArraysOnlyUnpickler(stream, encoding="latin1").load()
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, np.ndarray) and v.dtype != object for v in values):
        raise ValueError("a legacy AgentNet weights file must hold a list of numeric numpy "
                         "arrays, got %s" % type(values).__name__)
    return list(values), None


def _parse_header(archive):
    """The checked header dict of an opened ``.npz`` checkpoint."""
    if _HEADER_KEY not in archive.files:
        raise ValueError("not an AgentNet checkpoint: no %r entry" % _HEADER_KEY)
    header = json.loads(archive[_HEADER_KEY].tobytes().decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise ValueError("unsupported checkpoint format %r; this AgentNet reads format %i"
                         % (header.get("format") if isinstance(header, dict) else header,
                            FORMAT_VERSION))
    entries = header.get("params")
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and {"name", "dtype", "shape"} <= set(e) for e in entries):
        raise ValueError("malformed header: `params` must list {name, dtype, shape}")
    if not isinstance(header.get("metadata", {}), dict):
        raise ValueError("malformed header: `metadata` must be a JSON object")
    return header


def _read_npz(stream):
    with np.load(stream, allow_pickle=False) as archive:
        entries = _parse_header(archive)["params"]
        expected = {_HEADER_KEY} | {_param_key(i) for i in range(len(entries))}
        if set(archive.files) != expected:
            raise ValueError("the archive's arrays do not match its header (%i parameters)"
                             % len(entries))
        values = [archive[_param_key(i)] for i in range(len(entries))]
    for i, (entry, value) in enumerate(zip(entries, values)):
        if str(value.dtype) != entry["dtype"] or list(value.shape) != list(entry["shape"]):
            raise ValueError("array %i (%s) is %s %s but the header says %s %s"
                             % (i, entry["name"], value.dtype, list(value.shape),
                                entry["dtype"], entry["shape"]))
    return values, [entry["name"] for entry in entries]


def _read(path):
    """``(values, names or None)`` from an ``.npz`` checkpoint or a legacy pickle."""
    with open(path, "rb") as stream:
        is_zip = stream.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
        stream.seek(0)
        try:
            return _read_npz(stream) if is_zip else _read_legacy(stream)
        except _PARSE_ERRORS as error:
            kind = "an AgentNet .npz checkpoint" if is_zip else "a legacy pickled weights file"
            raise ValueError("cannot load weights from %s (read as %s): %s"
                             % (path, kind, error)) from error


def _read_bytes(data):
    """``(values, names)`` from checkpoint bytes; only the ``.npz`` format, never a pickle."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("`data` must be bytes (from save_bytes), got %s" % type(data).__name__)
    if bytes(data[:len(_ZIP_MAGIC)]) != _ZIP_MAGIC:
        raise ValueError("cannot load weights from bytes: not an .npz archive (the data starts "
                         "with %r, an .npz with %r)" % (bytes(data[:len(_ZIP_MAGIC)]), _ZIP_MAGIC))
    try:
        return _read_npz(io.BytesIO(data))
    except _PARSE_ERRORS as error:
        raise ValueError("cannot load weights from bytes (read as an AgentNet .npz "
                         "checkpoint): %s" % error) from error


def read_metadata(filename):
    """The ``metadata`` dict saved with the weights in ``filename``, or None if there is none.

    Only the JSON header is read: no array is loaded and nothing is unpickled.

    Parameters
    ----------
    filename : str or os.PathLike
        A checkpoint written by :func:`save`.

    Raises
    ------
    ValueError
        If the file is damaged or not an AgentNet ``.npz`` checkpoint (a
        legacy pickled weights file holds no metadata).
    FileNotFoundError
        If ``filename`` does not exist.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> import os, tempfile
    >>> net = DenseLayer(InputLayer((None, 3)), 2, name="q")
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> save(net, path, metadata={"env_steps": 1000, "returns": [0.5, 1.0]})
    >>> read_metadata(path)["env_steps"]
    1000
    """
    path = os.fspath(filename)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return _parse_header(archive).get("metadata")
    except _PARSE_ERRORS as error:
        raise ValueError("cannot read metadata from %s (an AgentNet .npz checkpoint is "
                         "expected): %s" % (path, error)) from error


def _first_mismatch(params, values, names, check_names):
    """Describe the first parameter whose name, shape or dtype differs, or return None."""
    for i, (param, value) in enumerate(zip(params, values)):
        expected = param.get_value(borrow=True)
        found_name = names[i] if names is not None else param.name
        if check_names and found_name != param.name:
            return "parameter %i: the network has %r, the file has %r" % (i, param.name,
                                                                         found_name)
        if value.shape != expected.shape or value.dtype != expected.dtype:
            return ("parameter %i (%s): the network expects shape %s dtype %s, the file has "
                    "shape %s dtype %s" % (i, param.name, expected.shape, expected.dtype,
                                           value.shape, value.dtype))
    return None


def load(nn, filename, check_names=True):
    """Set every parameter of ``nn`` from ``filename``; return ``nn``.

    Nothing is unpickled from a ``.npz`` checkpoint; a legacy file (a
    pickled list of arrays written by the original AgentNet, Python 2 or 3)
    may only rebuild numpy arrays.

    Parameters
    ----------
    nn : lasagne.layers.Layer or list of layers
        A network with the same parameters, in the same order, as the saved
        one.
    filename : str or os.PathLike
        A checkpoint written by :func:`save`, or a legacy weights file.
    check_names : bool
        Also require the parameter names stored in a checkpoint to equal the
        network's (legacy files store no names).

    Returns
    -------
    nn, with its parameters set in place.

    Raises
    ------
    ValueError
        If the file is damaged, hostile or not a checkpoint, or its parameter
        count, names, shapes or dtypes differ from the network's (naming the
        first mismatch). The network is left unchanged then.
    TypeError
        If ``nn`` is not a layer or a list of layers.
    FileNotFoundError
        If ``filename`` does not exist.
    """
    params = _params_of(nn)
    path = os.fspath(filename)
    return _set_checked(nn, params, _read(path), check_names, path)


def _set_checked(nn, params, values_and_names, check_names, source):
    """Set ``nn``'s parameters after checking count, names, shapes and dtypes; return ``nn``."""
    values, names = values_and_names
    if len(values) != len(params):
        raise ValueError("%s holds %i parameters but the network has %i"
                         % (source, len(values), len(params)))
    mismatch = _first_mismatch(params, values, names, check_names)
    if mismatch is not None:
        raise ValueError("cannot load %s into this network: %s" % (source, mismatch))
    set_all_param_values(nn, values)
    return nn


def load_bytes(nn, data, check_names=True):
    """Set every parameter of ``nn`` from checkpoint bytes (:func:`save_bytes`); return ``nn``.

    Same checks as :func:`load`; nothing is unpickled (legacy pickled
    weights are not accepted as bytes).

    Parameters
    ----------
    nn : lasagne.layers.Layer or list of layers
    data : bytes
        An ``.npz`` checkpoint, e.g. from :func:`save_bytes` or the content
        of a file written by :func:`save`.
    check_names : bool

    Returns
    -------
    nn, with its parameters set in place.

    Raises
    ------
    ValueError
        If ``data`` is not an AgentNet ``.npz`` checkpoint or does not match
        the network (naming the first mismatch); the network is unchanged.
    TypeError
        If ``nn`` is not a layer or a list of layers, or ``data`` not bytes.
    """
    params = _params_of(nn)
    return _set_checked(nn, params, _read_bytes(data), check_names, "the weights bytes")
