"""save/load: exact round trips, clear rejections, no code execution, atomic saves."""
import os
import pickle

import numpy as np
import pytest
import theano
from lasagne.layers import DenseLayer, EmbeddingLayer, InputLayer

from agentnet.utils import load, save
from agentnet.utils import persistence


def _network(units=5):
    inp = InputLayer((None, 3))
    hidden = DenseLayer(inp, units, name="hidden")
    table = EmbeddingLayer(InputLayer((None,), input_var=theano.tensor.ivector()), 4, 2)
    table.W.set_value(np.arange(8, dtype=theano.config.floatX).reshape(4, 2))
    return [DenseLayer(hidden, 2, name="out"), table]


def _values(network):
    from lasagne.layers import get_all_param_values
    return get_all_param_values(network)


def test_round_trip_is_exact(tmp_path):
    source, target = _network(), _network()
    path = str(tmp_path / "weights.npz")
    save(source, path)
    assert load(target, path) is target
    for a, b in zip(_values(source), _values(target)):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_wrong_shape_and_count_are_rejected_by_name(tmp_path):
    path = str(tmp_path / "weights.npz")
    save(_network(), path)
    with pytest.raises(ValueError, match=r"parameter 0 \(hidden.W\) .* shape \(3, 5\)"):
        load(_network(units=6), path)
    with pytest.raises(ValueError, match="holds 5 parameters but the network has 2"):
        load(DenseLayer(InputLayer((None, 3)), 5), path)


def test_truncated_file_is_rejected(tmp_path):
    path = str(tmp_path / "weights.npz")
    save(_network(), path)
    with open(path, "rb") as stream:
        data = stream.read()
    with open(path, "wb") as stream:
        stream.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match="cannot load weights"):
        load(_network(), path)


class _Bomb(object):
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_bomb_runs_no_code(tmp_path):
    marker = str(tmp_path / "pwned")
    path = str(tmp_path / "evil.pcl")
    with open(path, "wb") as stream:
        pickle.dump([_Bomb(marker)], stream, protocol=2)
    with pytest.raises(ValueError, match="refusing to load"):
        load(_network(), path)
    assert not os.path.exists(marker)


def test_legacy_pickled_list_of_arrays_loads(tmp_path):
    source, target = _network(), _network()
    path = str(tmp_path / "legacy.pcl")
    with open(path, "wb") as stream:
        pickle.dump(_values(source), stream, protocol=2)
    load(target, path)
    for a, b in zip(_values(source), _values(target)):
        np.testing.assert_array_equal(a, b)


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "weights.npz")
    first = _network()
    save(first, path)
    with open(path, "rb") as stream:
        before = stream.read()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")
    monkeypatch.setattr(persistence.np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save(_network(), path)
    with open(path, "rb") as stream:
        assert stream.read() == before
    assert os.listdir(str(tmp_path)) == ["weights.npz"]
