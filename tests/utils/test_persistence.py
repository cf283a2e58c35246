"""save/load: exact round trips, named rejections, no code run, atomic saves, legacy files."""
import json
import os
import pathlib
import pickle
import struct
import zipfile

import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, EmbeddingLayer, InputLayer, Layer, get_all_param_values

from agentnet.utils import load, save
from agentnet.utils import persistence

floatX = theano.config.floatX


class Counter(Layer):
    """A layer with a non-trainable int32 parameter (like batch statistics or step counters)."""

    def __init__(self, incoming, dtype="int32", **kwargs):
        super(Counter, self).__init__(incoming, **kwargs)
        self.counts = self.add_param(np.zeros(3, dtype=dtype), (3,), name="counts",
                                     trainable=False)

    def get_output_for(self, input, **kwargs):
        return input


def _network(units=5, counter_dtype="int32", seed=0):
    """[out(2) <- hidden(units) <- in(3), embedding(4x2), counter(int32)] with seeded values."""
    rng = np.random.RandomState(seed)
    hidden = DenseLayer(InputLayer((None, 3)), units, name="hidden")
    out = DenseLayer(hidden, 2, name="out")
    table = EmbeddingLayer(InputLayer((None,), input_var=theano.tensor.ivector()), 4, 2,
                           name="table")
    counter = Counter(out, dtype=counter_dtype, name="counter")
    for param, dtype in [(hidden.W, floatX), (hidden.b, floatX), (out.W, floatX),
                         (out.b, floatX), (table.W, floatX)]:
        param.set_value(rng.randn(*param.get_value().shape).astype(dtype))
    counter.counts.set_value(rng.randint(-100, 100, size=3).astype(counter_dtype))
    return [counter, table]


def _assert_same_values(first, second):
    for a, b in zip(get_all_param_values(first), get_all_param_values(second), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def _read_bytes(path):
    with open(path, "rb") as stream:
        return stream.read()


def _write_bytes(path, data):
    with open(path, "wb") as stream:
        stream.write(data)


@pytest.fixture
def saved(tmp_path):
    """A checkpoint of ``_network(seed=0)`` and its path."""
    path = str(tmp_path / "weights.npz")
    source = _network(seed=0)
    save(source, path)
    return source, path


# --- round trips ---------------------------------------------------------------------------

def test_round_trip_is_exact_for_float_and_int_parameters(saved):
    source, path = saved
    target = _network(seed=1)
    assert load(target, path) is target
    _assert_same_values(source, target)
    assert target[0].counts.get_value().dtype == np.int32


def test_loaded_values_are_copies(saved):
    source, path = saved
    target = load(_network(seed=1), path)
    target[1].W.set_value(np.zeros((4, 2), dtype=floatX))
    assert np.abs(load(_network(seed=2), path)[1].W.get_value()).sum() > 0


def test_file_content_is_npz_with_a_header(saved):
    source, path = saved
    with np.load(path, allow_pickle=False) as archive:
        files = sorted(archive.files)
        header = json.loads(archive["agentnet_header"].tobytes().decode("utf-8"))
        first = archive["param_00000"]
    assert files == ["agentnet_header"] + ["param_%05i" % i for i in range(6)]
    assert header["format"] == 1
    assert set(header["versions"]) == {"agentnet", "theano", "lasagne", "numpy"}
    assert [p["name"] for p in header["params"]] == [
        "hidden.W", "hidden.b", "out.W", "out.b", "counter.counts", "table.W"]
    assert header["params"][0] == {"name": "hidden.W", "dtype": floatX, "shape": [3, 5]}
    assert header["params"][4]["dtype"] == "int32"
    np.testing.assert_array_equal(first, source[0].input_layer.input_layer.W.get_value())


def test_paths_single_layers_and_permissions(tmp_path):
    net = DenseLayer(InputLayer((None, 3)), 2, name="q")
    path = tmp_path / "weights"
    saved_umask = os.umask(0o027)
    try:
        save(net, path)
    finally:
        os.umask(saved_umask)
    assert os.stat(path).st_mode & 0o777 == 0o640
    load(net, pathlib.Path(path))


def test_saving_again_replaces_the_file(saved, tmp_path):
    _, path = saved
    newer = _network(seed=5)
    save(newer, path)
    _assert_same_values(newer, load(_network(), path))
    assert sorted(os.listdir(str(tmp_path))) == ["weights.npz"]


# --- rejections ----------------------------------------------------------------------------

def test_wrong_shape_is_named(saved):
    _, path = saved
    target = _network(units=6)
    before = get_all_param_values(target)
    with pytest.raises(ValueError, match=r"parameter 0 \(hidden.W\): the network expects shape "
                                         r"\(3, 6\) dtype \w+, the file has shape \(3, 5\)"):
        load(target, path)
    for a, b in zip(before, get_all_param_values(target)):
        np.testing.assert_array_equal(a, b)


def test_wrong_dtype_is_named(saved):
    _, path = saved
    with pytest.raises(ValueError, match=r"parameter 4 \(counter.counts\): the network expects "
                                         r"shape \(3,\) dtype int64, the file has shape \(3,\) "
                                         r"dtype int32"):
        load(_network(counter_dtype="int64"), path)


def test_wrong_count_is_named(saved):
    _, path = saved
    with pytest.raises(ValueError, match="holds 6 parameters but the network has 2"):
        load(DenseLayer(InputLayer((None, 3)), 5), path)


def test_wrong_names_are_named_unless_disabled(saved):
    source, path = saved
    renamed = _network(seed=3)
    renamed[1].W.name = "lookup.W"
    with pytest.raises(ValueError, match="parameter 5: the network has 'lookup.W', the file has "
                                         "'table.W'"):
        load(renamed, path)
    _assert_same_values(source, load(renamed, path, check_names=False))


@pytest.mark.parametrize("cut", ["empty", "half", "last-byte"])
def test_truncated_file_is_rejected(saved, cut):
    _, path = saved
    data = _read_bytes(path)
    _write_bytes(path, {"empty": b"", "half": data[:len(data) // 2],
                        "last-byte": data[:-1]}[cut])
    target = _network(seed=1)
    before = get_all_param_values(target)
    with pytest.raises(ValueError, match="cannot load weights from"):
        load(target, path)
    for a, b in zip(before, get_all_param_values(target)):
        np.testing.assert_array_equal(a, b)


def test_garbage_and_foreign_archives_are_rejected(tmp_path):
    garbage = str(tmp_path / "garbage")
    _write_bytes(garbage, b"this is not a checkpoint at all")
    with pytest.raises(ValueError, match="read as a legacy pickled weights file"):
        load(_network(), garbage)
    plain = str(tmp_path / "plain.npz")
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(ValueError, match="not an AgentNet checkpoint"):
        load(_network(), plain)
    with pytest.raises(FileNotFoundError):
        load(_network(), str(tmp_path / "missing.npz"))


def _rewrite_archive(path, header_edit=None, extra=None):
    """Rewrite a checkpoint with an edited header and/or extra arrays."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    header = json.loads(arrays["agentnet_header"].tobytes().decode("utf-8"))
    if header_edit is not None:
        header_edit(header)
    arrays["agentnet_header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    arrays.update(extra or {})
    np.savez(path, **arrays)


@pytest.mark.parametrize("edit, extra, message", [
    (lambda h: h.update(format=2), None, "unsupported checkpoint format 2"),
    (lambda h: h["params"][1].update(dtype="float16"), None,
     r"array 1 \(hidden.b\) is \w+ \[5\] but the header says float16 \[5\]"),
    (lambda h: h["params"].pop(), None, "arrays do not match its header"),
    (None, {"param_00099": np.zeros(1)}, "arrays do not match its header"),
    (lambda h: h.update(params=[{"name": "x"}]), None, "malformed header"),
], ids=["newer-format", "header-dtype", "missing-entry", "extra-array", "malformed"])
def test_inconsistent_archives_are_rejected(saved, edit, extra, message):
    _, path = saved
    _rewrite_archive(path, edit, extra)
    with pytest.raises(ValueError, match=message):
        load(_network(), path)


# --- metadata saved with the weights ------------------------------------------------------

def test_metadata_round_trip_and_absence(saved, tmp_path):
    source, path = saved
    assert persistence.read_metadata(path) is None
    metadata = {"env_steps": 348704, "returns": [0.0, 1.5, -2.25], "curves": {"eval": [[5, 2.0]]},
                "name": "breakout"}
    with_metadata = str(tmp_path / "run.npz")
    save(source, with_metadata, metadata=metadata)
    assert persistence.read_metadata(with_metadata) == metadata
    target = _network(seed=1)
    load(target, with_metadata)
    _assert_same_values(source, target)


@pytest.mark.parametrize("metadata, message", [
    ([1, 2], "`metadata` must be a dict or None, got list"),
    ({"when": object()}, "`metadata` must be a JSON-serialisable dict"),
    ({"curves": [{"eval": {1000: 2.0}}]}, r"keys must be str .* got "
                                         r"metadata\['curves'\]\[0\]\['eval'\] key 1000 \(int\)"),
], ids=["not-a-dict", "not-json", "int-key"])
def test_bad_metadata_writes_nothing(tmp_path, metadata, message):
    with pytest.raises(TypeError, match=message):
        save(_network(), str(tmp_path / "run.npz"), metadata=metadata)
    assert os.listdir(str(tmp_path)) == []


def test_read_metadata_rejects_what_is_not_a_checkpoint(saved, tmp_path):
    _, path = saved
    _rewrite_archive(path, lambda h: h.update(metadata=[1, 2]))
    with pytest.raises(ValueError, match="`metadata` must be a JSON object"):
        persistence.read_metadata(path)
    legacy = str(tmp_path / "legacy.pkl")
    with open(legacy, "wb") as stream:
        pickle.dump([np.zeros(2)], stream, protocol=2)
    with pytest.raises(ValueError, match="cannot read metadata from .*legacy.pkl"):
        persistence.read_metadata(legacy)


def test_bad_network_argument(tmp_path):
    with pytest.raises(TypeError,
                       match="`nn` must be a lasagne layer or a list of layers, got str"):
        save(str(tmp_path / "w.npz"), _network())
    with pytest.raises(TypeError, match="got int"):
        load(3, str(tmp_path / "w.npz"))


# --- no code execution ---------------------------------------------------------------------

class _SystemBomb(object):
    """Unpickling calls os.system(command)."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _OpenBomb(object):
    """Unpickling creates (truncates) a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_bomb_is_live_for_plain_pickle(tmp_path):
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps([_OpenBomb(str(marker))], protocol=2)).pop().close()
    assert marker.exists()


def test_pickle_bombs_run_no_code(tmp_path):
    marker = tmp_path / "pwned"
    for bomb in (_SystemBomb("touch %s" % marker), _OpenBomb(str(marker))):
        path = str(tmp_path / "evil.pcl")
        with open(path, "wb") as stream:
            pickle.dump([np.zeros(2), bomb], stream, protocol=2)
        with pytest.raises(ValueError,
                           match=r"refusing to load \S+\.(system|open): only numpy arrays"):
            load(_network(), path)
        assert not marker.exists()


def test_codecs_global_is_limited_to_latin1(tmp_path):
    # GLOBAL _codecs.encode, then encode("abc", "rot13") -- only latin-1 is admitted.
    payload = b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x05\x00\x00\x00rot13\x86R."
    path = str(tmp_path / "codec.pcl")
    _write_bytes(path, payload)
    with pytest.raises(ValueError, match="only latin-1 text is expected"):
        load(_network(), path)


def test_object_arrays_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    inside_npz = str(tmp_path / "objects.npz")
    objects = np.empty(1, dtype=object)
    objects[0] = _OpenBomb(str(marker))
    header = {"format": 1, "versions": {},
              "params": [{"name": "counter.counts", "dtype": "object", "shape": [1]}]}
    np.savez(inside_npz, agentnet_header=np.frombuffer(json.dumps(header).encode(), np.uint8),
             param_00000=objects)
    with pytest.raises(ValueError, match="cannot load weights"):
        load(Counter(InputLayer((None, 3))), inside_npz)
    legacy = str(tmp_path / "objects.pcl")
    numbers = np.empty(2, dtype=object)
    numbers[:] = [1, 2]
    with open(legacy, "wb") as stream:
        pickle.dump([numbers], stream, protocol=2)
    with pytest.raises(ValueError, match="list of numeric numpy arrays"):
        load(_network(), legacy)
    assert not marker.exists()


# --- interrupted saves ---------------------------------------------------------------------

def _crash(*args, **kwargs):
    raise KeyboardInterrupt("power cut")


@pytest.mark.parametrize("target", ["savez", "replace"])
def test_interrupted_save_keeps_the_old_file(saved, tmp_path, monkeypatch, target):
    _, path = saved
    before = _read_bytes(path)
    if target == "savez":
        monkeypatch.setattr(persistence.np, "savez", _crash)
    else:
        monkeypatch.setattr(persistence.os, "replace", _crash)
    with pytest.raises(KeyboardInterrupt):
        save(_network(seed=9), path)
    assert _read_bytes(path) == before
    assert os.listdir(str(tmp_path)) == ["weights.npz"]


def test_interrupted_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(persistence.np, "savez", _crash)
    with pytest.raises(KeyboardInterrupt):
        save(_network(), str(tmp_path / "weights.npz"))
    assert os.listdir(str(tmp_path)) == []


# --- files of the original AgentNet --------------------------------------------------------

def _python2_pickle(arrays):
    """Bytes that Python 2's cPickle.dump(arrays, f, protocol=2) writes for C-ordered arrays.

    Python 2 stores the raw array bytes as a ``str`` (BINSTRING), which Python 3 reads back only
    with ``encoding='latin1'``; there is no ``_codecs.encode`` call as in Python 3 pickles.
    """
    def integer(value):
        return b"J" + struct.pack("<i", value)

    def string(value):
        return b"T" + struct.pack("<i", len(value)) + value
    out = [b"\x80\x02", b"]", b"("]
    for array in arrays:
        dtype = array.dtype
        out += [b"cnumpy.core.multiarray\n_reconstruct\n", b"cnumpy\nndarray\n",
                integer(0), b"\x85", string(b"b"), b"\x87", b"R",
                b"(", integer(1), b"(", *[integer(n) for n in array.shape], b"t",
                b"cnumpy\ndtype\n", string(dtype.str[1:].encode()), integer(0), integer(1),
                b"\x87", b"R",
                b"(", integer(3), string(b"|" if dtype.itemsize == 1 else b"<"), b"N", b"N",
                b"N", integer(-1), integer(-1), integer(0), b"t", b"b",
                b"\x89", string(np.ascontiguousarray(array).astype(dtype.newbyteorder("<"))
                                .tobytes()), b"t", b"b"]
    out += [b"e", b"."]
    return b"".join(out)


def test_python3_legacy_file_loads(tmp_path):
    source = _network(seed=4)
    path = str(tmp_path / "legacy.pcl")
    with open(path, "wb") as stream:
        pickle.dump(get_all_param_values(source), stream, protocol=2)
    _assert_same_values(source, load(_network(), path))


def test_python2_legacy_file_loads(tmp_path):
    source = _network(seed=6)
    payload = _python2_pickle(get_all_param_values(source))
    assert b"_codecs" not in payload
    path = str(tmp_path / "legacy_py2.pcl")
    _write_bytes(path, payload)
    _assert_same_values(source, load(_network(), path))


def test_legacy_file_with_the_wrong_count(tmp_path):
    path = str(tmp_path / "legacy.pcl")
    with open(path, "wb") as stream:
        pickle.dump([np.zeros(3, dtype=floatX)], stream, protocol=2)
    with pytest.raises(ValueError, match="holds 1 parameters but the network has 6"):
        load(_network(), path)


def test_zip_magic_decides_the_format(saved):
    _, path = saved
    assert _read_bytes(path)[:2] == b"PK" and zipfile.is_zipfile(path)


# --- weights as bytes (for sending to game workers) ------------------------------------------

def test_bytes_equal_the_file_content_and_round_trip(saved, tmp_path):
    source, path = saved
    data = persistence.save_bytes(source, metadata={"version": 3})
    bytes_path = str(tmp_path / "from_bytes.npz")
    _write_bytes(bytes_path, data)
    assert persistence.read_metadata(bytes_path) == {"version": 3}
    target = persistence.load_bytes(_network(seed=1), _read_bytes(path))
    _assert_same_values(source, target)
    _assert_same_values(source, load(_network(seed=2), bytes_path))


def test_bytes_are_checked_like_files(saved):
    data = persistence.save_bytes(_network(units=6))
    with pytest.raises(ValueError, match=r"cannot load the weights bytes into this network: "
                                         r"parameter 0 \(hidden.W\)"):
        persistence.load_bytes(_network(), data)
    with pytest.raises(ValueError, match="not an .npz archive"):
        persistence.load_bytes(_network(), b"\x80\x02garbage")
    with pytest.raises(ValueError, match="cannot load weights from bytes"):
        persistence.load_bytes(_network(), data[:len(data) // 2])
    with pytest.raises(TypeError, match="`data` must be bytes"):
        persistence.load_bytes(_network(), "PK")


def test_pickled_bytes_are_refused_and_run_no_code(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps([np.zeros(2), _OpenBomb(str(marker))], protocol=2)
    with pytest.raises(ValueError, match="not an .npz archive"):
        persistence.load_bytes(_network(), data)
    assert not marker.exists()
