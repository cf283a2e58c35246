"""A matrix product with one row runs as a matrix-vector product.

A react function deciding one step multiplies a batch of one, :math:`x \\in
\\mathbb{R}^{1 \\times K}`, by each dense layer's weights :math:`W \\in
\\mathbb{R}^{K \\times N}`. Theano's ``Dot22`` hands that to the BLAS ``gemm``,
which first copies :math:`W` into its packed panel format: for the Nature
DQN's 3136 x 512 layer (6.4 MB in float32) that copy made the product take
0.8 ms, half of the whole network's forward pass at batch 1. The matrix-vector
routine ``gemv`` reads :math:`W` once where it lies and computes
:math:`z_j = \\sum_k x_k W_{kj}` in 0.3 ms (2026-12-02, OpenBLAS 0.3.21
``SkylakeX``, one thread). From two rows on, ``gemm`` wins by more as the
batch grows (2 rows: two ``gemv`` 0.60 ms, ``gemm`` 0.85 ms; 4 rows: 1.19 ms
against 0.82 ms), so only one row takes the new path.

:func:`register` adds a FAST_RUN graph optimization, after Theano's own
(position 75.5), that gives every ``Dot22`` node the op :class:`Dot22Gemv`. It
decides at run time: one row of float32 or float64, :math:`W` C- or
Fortran-contiguous and :math:`x` with a positive stride take ``gemv``; an
empty product (no rows, columns or inner dimension) is all zeros, where
Theano's ``gemm`` code raised "some matrix has no unit stride"; anything else
runs Theano's ``Dot22`` code unchanged. Other products
(``Dot22Scalar``, ``Gemm``, which fold a scale or a sum into the product)
are left alone.
"""
from theano.tensor.blas import Dot22

from .op_swap import op_swap

__all__ = ["Dot22Gemv", "register", "OPTIMIZATION"]

OPTIMIZATION = "agentnet_one_row_gemv"
_POSITION = 75.5
_CODE_VERSION = (1,)

_ONE_ROW_GEMV = r"""
{
    PyArrayObject* x_rows = %(x)s;
    PyArrayObject* weights = %(y)s;
    npy_intp rows = PyArray_DIMS(x_rows)[0];
    npy_intp inner = PyArray_DIMS(x_rows)[1];
    npy_intp cols = PyArray_DIMS(weights)[1];
    npy_intp item = PyArray_ITEMSIZE(x_rows);
    npy_intp* w_strides = PyArray_STRIDES(weights);
    npy_intp x_stride = PyArray_STRIDES(x_rows)[1];
    int w_c_order = w_strides[1] == item && w_strides[0] == cols * item;
    int w_f_order = w_strides[0] == item && w_strides[1] == inner * item;
    int floats = PyArray_TYPE(x_rows) == NPY_FLOAT32 || PyArray_TYPE(x_rows) == NPY_FLOAT64;
    int empty = rows == 0 || inner == 0 || cols == 0;
    took_gemv = floats && PyArray_TYPE(weights) == PyArray_TYPE(x_rows)
                && PyArray_DIMS(weights)[0] == inner && inner < INT_MAX && cols < INT_MAX
                && (empty || (rows == 1 && (w_c_order || w_f_order)
                              && x_stride > 0 && x_stride %% item == 0));
    if (took_gemv) {
        if (NULL == %(z)s || PyArray_DIMS(%(z)s)[0] != rows || PyArray_DIMS(%(z)s)[1] != cols
                || !PyArray_IS_C_CONTIGUOUS(%(z)s) || PyArray_TYPE(%(z)s) != PyArray_TYPE(x_rows)) {
            npy_intp dims[2] = {rows, cols};
            Py_XDECREF(%(z)s);
            %(z)s = (PyArrayObject*)PyArray_EMPTY(2, dims, PyArray_TYPE(x_rows), 0);
            if (NULL == %(z)s) {
                PyErr_SetString(PyExc_MemoryError, "failed to allocate the Dot22Gemv output");
                %(fail)s
            }
        }
        /* gemv with beta = 0 may still read the output (0 * NaN), so it starts from zeros;
           an empty product is all zeros (Theano's gemm code rejects empty matrices). */
        memset(PyArray_DATA(%(z)s), 0, rows * cols * item);
    }
    if (took_gemv && !empty) {
        /* Fortran sees a C-ordered W (K x N) as its transpose, an N x K matrix. */
        char trans = w_c_order ? 'N' : 'T';
        int fortran_rows = (int)(w_c_order ? cols : inner);
        int fortran_cols = (int)(w_c_order ? inner : cols);
        int x_step = (int)(x_stride / item);
        int z_step = 1;
        if (item == 4) {
            float one = 1.0f, zero = 0.0f;
            sgemv_(&trans, &fortran_rows, &fortran_cols, &one, (float*)PyArray_DATA(weights),
                   &fortran_rows, (float*)PyArray_DATA(x_rows), &x_step, &zero,
                   (float*)PyArray_DATA(%(z)s), &z_step);
        } else {
            double one = 1.0, zero = 0.0;
            dgemv_(&trans, &fortran_rows, &fortran_cols, &one, (double*)PyArray_DATA(weights),
                   &fortran_rows, (double*)PyArray_DATA(x_rows), &x_step, &zero,
                   (double*)PyArray_DATA(%(z)s), &z_step);
        }
    }
}
"""


class Dot22Gemv(Dot22):
    """``Dot22`` (:math:`Z = X Y` for matrices) that computes a one-row :math:`X` with ``gemv``.

    Same inputs, outputs, gradient and Python fallback as ``Dot22``; only
    the C code differs, and only when :math:`X` has exactly one row or the
    product is empty (see the module docstring for the conditions). The output is the same product;
    the order of the floating-point sums may differ from ``gemm``'s.
    """

    def c_code(self, node, name, inputs, outputs, sub):
        gemm_code = super().c_code(node, name, inputs, outputs, sub)
        gemv_code = _ONE_ROW_GEMV % dict(x=inputs[0], y=inputs[1], z=outputs[0],
                                         fail=sub["fail"])
        return "{\nint took_gemv = 0;\n%s\nif (!took_gemv) {\n%s\n}\n}" % (gemv_code, gemm_code)

    def c_headers(self):
        return super().c_headers() + ["<climits>", "<cstring>"]

    def c_code_cache_version(self):
        gemm_version = super().c_code_cache_version()
        if not gemm_version:
            return gemm_version
        return gemm_version + ("agentnet_gemv",) + _CODE_VERSION


_DOT22_GEMV = Dot22Gemv()


def _gemv_op(node):
    return _DOT22_GEMV if type(node.op) is Dot22 else None


def register(optdb):
    """Add the FAST_RUN optimization giving every ``Dot22`` node :class:`Dot22Gemv`, once.

    Parameters
    ----------
    optdb : theano.gof.SequenceDB
        ``theano.compile.optdb``.
    """
    if OPTIMIZATION not in optdb:
        optdb.register(OPTIMIZATION, op_swap(_gemv_op), _POSITION, "fast_run")
