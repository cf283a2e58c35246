"""How a dense matrix product runs: one row with ``gemv``, a large product on every core.

Theano's ``Dot22`` computes :math:`Z = X Y` (:math:`X` of :math:`M \\times K`,
:math:`Y` of :math:`K \\times N`) with one call of the BLAS ``gemm``. Two
cases cost more than they need to in AgentNet's work:

* **One row** (:math:`M = 1`), as in a react function deciding one step.
  ``gemm`` first copies :math:`Y` into its packed panel format: for the Nature
  DQN's 3136 x 512 layer (6.4 MB in float32) the product took 0.8 ms, half of
  the whole network's forward pass at batch 1. The matrix-vector routine
  ``gemv`` reads :math:`Y` once where it lies and computes
  :math:`z_j = \\sum_k x_k Y_{kj}` in 0.3 ms. From two rows on ``gemm`` is
  faster (2 rows: two ``gemv`` 0.60 ms, ``gemm`` 0.85 ms; 4 rows: 1.19 against
  0.82 ms).
* **A large product on one core.** AgentNet runs OpenBLAS on one thread and
  spreads convolutions over the cores itself (:mod:`agentnet_compat.threads`).
  The dense layer's products then ran on one core while the other waited: in
  the Atari notebook's training update, 6.1 of 35 ms (its forward pass, both
  gradients, the target network's forward pass). When AgentNet chose that
  thread split, a product of at least :data:`MIN_SPLIT_WORK` multiply-adds is
  cut into one block per OpenMP thread, along the longer of :math:`M` and
  :math:`N`: rows :math:`Z_{a:b,:} = X_{a:b,:} Y`, or columns
  :math:`Z_{:,a:b} = X Y_{:,a:b}`, each block one single-threaded ``gemm``.
  Every element is still one ``gemm`` dot product over the whole of :math:`K`.

All measured on 2026-12-02 (OpenBLAS 0.3.21, ``SkylakeX`` kernel, float32).
:func:`register` adds a FAST_RUN graph optimization, after Theano's own
(position 75.5), giving every ``Dot22`` node the op :class:`DenseDot22`. It
decides at run time: float32 or float64 operands that are each C- or
Fortran-contiguous (a row of :math:`X` may have any positive stride) take the
paths above; an empty product (no rows, columns or inner dimension) is all
zeros, where Theano's ``gemm`` code raised "some matrix has no unit stride";
anything else runs Theano's ``Dot22`` code unchanged. Products that fold a
scale or a sum into ``gemm`` (``Dot22Scalar``, ``Gemm``) are left alone.
"""
from theano.gof import OpenMPOp
from theano.tensor.blas import Dot22

from .op_swap import op_swap
from .threads import parallel_convolutions_enabled

__all__ = ["DenseDot22", "register", "OPTIMIZATION", "MIN_SPLIT_WORK"]

OPTIMIZATION = "agentnet_dense_products"
MIN_SPLIT_WORK = 1 << 20
_POSITION = 75.5
_CODE_VERSION = (4,)

_LAYOUT = r"""
    PyArrayObject* left = %(x)s;
    PyArrayObject* right = %(y)s;
    npy_intp rows = PyArray_DIMS(left)[0];
    npy_intp inner = PyArray_DIMS(left)[1];
    npy_intp cols = PyArray_DIMS(right)[1];
    npy_intp item = PyArray_ITEMSIZE(left);
    npy_intp* l_strides = PyArray_STRIDES(left);
    npy_intp* r_strides = PyArray_STRIDES(right);
    int l_c_order = l_strides[1] == item && l_strides[0] == inner * item;
    int l_f_order = l_strides[0] == item && l_strides[1] == rows * item;
    int r_c_order = r_strides[1] == item && r_strides[0] == cols * item;
    int r_f_order = r_strides[0] == item && r_strides[1] == inner * item;
    int usable = (PyArray_TYPE(left) == NPY_FLOAT32 || PyArray_TYPE(left) == NPY_FLOAT64)
                 && PyArray_TYPE(right) == PyArray_TYPE(left)
                 && PyArray_DIMS(right)[0] == inner
                 && rows < INT_MAX && inner < INT_MAX && cols < INT_MAX;
    int empty = rows == 0 || inner == 0 || cols == 0;
    int one_row = rows == 1 && (r_c_order || r_f_order)
                  && l_strides[1] > 0 && l_strides[1] %% item == 0;
    int split = %(split)s && !empty && (l_c_order || l_f_order) && (r_c_order || r_f_order)
                && (double)rows * (double)inner * (double)cols >= %(min_work)s;
    took_fast_path = usable && (empty || one_row || split);
"""

_OUTPUT = r"""
    if (NULL == %(z)s || PyArray_DIMS(%(z)s)[0] != rows || PyArray_DIMS(%(z)s)[1] != cols
            || !PyArray_IS_C_CONTIGUOUS(%(z)s) || PyArray_TYPE(%(z)s) != PyArray_TYPE(left)) {
        npy_intp dims[2] = {rows, cols};
        Py_XDECREF(%(z)s);
        %(z)s = (PyArrayObject*)PyArray_EMPTY(2, dims, PyArray_TYPE(left), 0);
        if (NULL == %(z)s) {
            PyErr_SetString(PyExc_MemoryError, "failed to allocate the DenseDot22 output");
            %(fail)s
        }
    }
    /* With beta = 0 the BLAS writes the output without reading it; an empty product is zeros. */
    if (empty) {
        memset(PyArray_DATA(%(z)s), 0, rows * cols * item);
    }
"""

# The BLAS is column-major: it sees the C-ordered Z (M x N) as Z^T = Y^T X^T (N x M), a C-ordered
# Y as Y^T with leading dimension N ('N'), a Fortran-ordered Y as Y with leading dimension K ('T').
_ONE_ROW = r"""
    if (!empty && one_row) {
        char trans = r_c_order ? 'N' : 'T';
        int blas_rows = (int)(r_c_order ? cols : inner);
        int blas_cols = (int)(r_c_order ? inner : cols);
        int x_step = (int)(l_strides[1] / item);
        int z_step = 1;
        if (item == 4) {
            float one = 1.0f, zero = 0.0f;
            sgemv_(&trans, &blas_rows, &blas_cols, &one, (float*)PyArray_DATA(right), &blas_rows,
                   (float*)PyArray_DATA(left), &x_step, &zero, (float*)PyArray_DATA(%(z)s),
                   &z_step);
        } else {
            double one = 1.0, zero = 0.0;
            dgemv_(&trans, &blas_rows, &blas_cols, &one, (double*)PyArray_DATA(right),
                   &blas_rows, (double*)PyArray_DATA(left), &x_step, &zero,
                   (double*)PyArray_DATA(%(z)s), &z_step);
        }
    }
"""

_SPLIT = r"""
    else if (!empty && split) {
        char right_trans = r_c_order ? 'N' : 'T', left_trans = l_c_order ? 'N' : 'T';
        int right_lead = (int)(r_c_order ? cols : inner);
        int left_lead = (int)(l_c_order ? inner : rows);
        int depth = (int)inner, z_lead = (int)cols;
        int by_rows = rows >= cols;
        npy_intp extent = by_rows ? rows : cols;
        int blocks = omp_get_max_threads();
        char* z_data = PyArray_BYTES(%(z)s);
        #pragma omp parallel for schedule(static) num_threads(blocks)
        for (int block = 0; block < blocks; ++block) {
            npy_intp begin = extent * block / blocks, end = extent * (block + 1) / blocks;
            if (end > begin) {
                char* left_part = PyArray_BYTES(left);
                char* right_part = PyArray_BYTES(right);
                int part_rows = (int)rows, part_cols = (int)cols;
                if (by_rows) {
                    left_part += begin * (l_c_order ? inner : 1) * item;
                    part_rows = (int)(end - begin);
                } else {
                    right_part += begin * (r_c_order ? 1 : inner) * item;
                    part_cols = (int)(end - begin);
                }
                char* z_part = z_data + (by_rows ? begin * cols : begin) * item;
                if (item == 4) {
                    float one = 1.0f, zero = 0.0f;
                    sgemm_(&right_trans, &left_trans, &part_cols, &part_rows, &depth, &one,
                           (float*)right_part, &right_lead, (float*)left_part, &left_lead,
                           &zero, (float*)z_part, &z_lead);
                } else {
                    double one = 1.0, zero = 0.0;
                    dgemm_(&right_trans, &left_trans, &part_cols, &part_rows, &depth, &one,
                           (double*)right_part, &right_lead, (double*)left_part, &left_lead,
                           &zero, (double*)z_part, &z_lead);
                }
            }
        }
    }
"""


class DenseDot22(Dot22):
    """``Dot22`` (:math:`Z = X Y` for matrices) with a ``gemv`` path for one row and, when
    ``split_over_threads``, large products split over the OpenMP threads.

    Same inputs, outputs, gradient and Python fallback as ``Dot22``; only the
    C code differs (see the module docstring for when each path runs). The
    output is the same product; the order of the floating-point sums inside
    an element may differ from one ``gemm`` call's.

    Parameters
    ----------
    split_over_threads : bool
        Cut products of at least :data:`MIN_SPLIT_WORK` multiply-adds into one
        block per thread (compiled with OpenMP).
    """

    __props__ = ("split_over_threads",)

    def __init__(self, split_over_threads=False):
        super().__init__()
        self.split_over_threads = split_over_threads

    def c_code(self, node, name, inputs, outputs, sub):
        """The fast paths, then Theano's ``Dot22`` code for what they do not take."""
        gemm_code = super().c_code(node, name, inputs, outputs, sub)
        names = dict(x=inputs[0], y=inputs[1], z=outputs[0], fail=sub["fail"],
                     split=int(self.split_over_threads), min_work=float(MIN_SPLIT_WORK))
        split_code = _SPLIT if self.split_over_threads else ""
        fast_code = (_LAYOUT + "if (took_fast_path) {" + _OUTPUT + _ONE_ROW + split_code
                     + "}") % names
        return "{\nint took_fast_path = 0;\n{%s}\nif (!took_fast_path) {\n%s\n}\n}" % (
            fast_code, gemm_code)

    def c_headers(self):
        """Theano's ``Dot22`` headers, plus ``climits``, ``cstring`` and ``omp.h`` if splitting."""
        openmp = ["<omp.h>"] if self.split_over_threads else []
        return super().c_headers() + ["<climits>", "<cstring>"] + openmp

    def c_compile_args(self):
        """Theano's BLAS flags, plus ``-fopenmp`` if splitting."""
        openmp = ["-fopenmp"] if self.split_over_threads else []
        return super().c_compile_args() + openmp

    def c_code_cache_version(self):
        """``Dot22``'s version followed by this module's, or empty (no caching) with Dot22's."""
        gemm_version = super().c_code_cache_version()
        if not gemm_version:
            return gemm_version
        return gemm_version + ("agentnet_dense",) + _CODE_VERSION


_OPS = {split: DenseDot22(split) for split in (False, True)}


def _split_allowed():
    if not parallel_convolutions_enabled():
        return False
    if OpenMPOp.gxx_support_openmp is None:
        OpenMPOp.gxx_support_openmp = OpenMPOp.test_gxx_support()
    return OpenMPOp.gxx_support_openmp


def _dense_op(node):
    return _OPS[_split_allowed()] if type(node.op) is Dot22 else None


def register(optdb):
    """Add the FAST_RUN optimization giving every ``Dot22`` node :class:`DenseDot22`, once.

    The ops split products over the threads when AgentNet chose the thread
    split of this process (:func:`agentnet_compat.threads.parallel_convolutions_enabled`)
    and the compiler supports OpenMP.

    Parameters
    ----------
    optdb : theano.gof.SequenceDB
        ``theano.compile.optdb``.
    """
    if OPTIMIZATION not in optdb:
        optdb.register(OPTIMIZATION, op_swap(_dense_op), _POSITION, "fast_run")
