"""How Theano's CPU work is spread over the cores: convolutions over the batch, BLAS on one thread.

Theano 1.0.5 leaves its ``openmp`` flag off, so a convolution (``CorrMM``:
im2col, then one gemm per example) runs on one core, while OpenBLAS starts a
thread per core for every product and keeps them spinning between calls.
On a 2-core machine that is the worst of both. The Atari notebook's training
update (Nature CNN forward and backward on 32 replayed windows, the target
network on 4, Adam, float32, ``SkylakeX`` kernel) took 45-50 ms with serial
convolutions and OpenBLAS on one thread, 77-87 ms with OpenBLAS on two (its
threads spin between calls and take the cores from the elementwise kernels'
OpenMP threads), and 33-37 ms with the convolutions parallel over the batch
and OpenBLAS on one thread (2026-12-02; timed alternately on a busier host:
medians 58.7 ms serial, 45.4 ms parallel).

So, unless the user chose a thread count (``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS``, ``MKL_NUM_THREADS``), set
Theano's ``openmp`` flag (in ``THEANO_FLAGS`` or ``.theanorc``) or opted out
with ``AGENTNET_NO_THREAD_TUNING=1``, and the machine has more than one core:

* :func:`configure_threads` (called by the start-up hook once Theano has read
  its flags, before Theano loads OpenBLAS) sets ``OPENBLAS_NUM_THREADS=1``
  and records that AgentNet did so in ``AGENTNET_SET_THREADS``. Unless the
  user set ``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY``, it also sets
  ``GOMP_SPINCOUNT`` to :data:`SPIN_COUNT` (read by libgomp when the first
  OpenMP kernel loads, later): an OpenMP thread with nothing to do polls
  that many times before it sleeps, instead of libgomp's 300,000. Spinning
  threads hold a core, which costs little while the process has the machine
  to itself and very much when it does not: the CartPole demo's training
  with 128 hidden units (its products split over the threads) took 2.5-2.8 s
  of training alone and 10.0-23.2 s in each of two runs started together with
  libgomp's spin count (in three pairs), against 2.8-3.2 s alone and 4.3-4.5 s two at once
  with 1,000 polls (2026-12-02, 2-core AMD EPYC). The Atari notebook's loop
  (its game worker process beside the learner) ran at a median of 191 env
  steps/s with 1,000 polls against 182 with libgomp's count (7 alternating
  rounds each; no spinning at all: 184);
* :func:`register_parallel_convolutions` (called when Theano's convolution
  optimizations are imported) adds a graph optimization that turns every
  ``CorrMM``, ``CorrMM_gradWeights`` and ``CorrMM_gradInputs`` into its OpenMP
  version: the examples of a batch are split over ``omp_get_max_threads()``
  threads (every core), each running its own single-threaded gemm. Each
  example's result is computed exactly as before, so outputs are unchanged;
  the weight gradient sums the per-thread partial sums in a different order
  (float rounding);
* :func:`register_parallel_elementwise` (called at the same time) does the
  same for the elementwise kernels that read a shared variable of at least
  ``openmp_elemwise_minsize`` elements (a large weight matrix and its
  optimizer state: Adam's updates of the Nature-DQN's 3136 x 512 dense
  layer took 6 of a 60 ms single-threaded training step), each element
  computed as before.

:mod:`agentnet_compat.dense_products` splits large matrix products over the
same threads. Theano's global ``openmp`` flag stays off, so every other
elementwise kernel and its compile cache are untouched.

Child processes inherit both variables and therefore the same choice; game
workers (:class:`~agentnet.experiments.openai_gym.process_pool.ProcessEnvPool`,
:class:`~agentnet.distributed.RayEnvPool`) get one OpenMP thread each
(:func:`game_worker_environment`): they act on small batches while the learner
uses every core.
"""
import os

from .op_swap import op_swap

__all__ = ["configure_threads", "thread_tuning_allowed", "register_parallel_convolutions",
           "register_parallel_elementwise", "parallel_convolutions_enabled",
           "game_worker_environment", "available_cores", "THREAD_VARIABLES", "SPIN_VARIABLES",
           "SPIN_COUNT"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                    "MKL_NUM_THREADS")
SPIN_VARIABLES = ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")
SPIN_COUNT = "1000"
MARK = "AGENTNET_SET_THREADS"
OPT_OUT = "AGENTNET_NO_THREAD_TUNING"
_OPTIMIZATION = "agentnet_parallel_corrmm"
_ELEMWISE_OPTIMIZATION = "agentnet_parallel_elemwise"
# After "inplace_elemwise_opt" (75): convolutions are lowered to CorrMM at 48.6, and the fused,
# in-place elementwise ops are final by then.
_POSITION = 75.5


def thread_tuning_allowed(environ, theano_sets_openmp, n_cores):
    """Whether AgentNet may choose the thread split for this process.

    Parameters
    ----------
    environ : mapping of str to str
        The process environment.
    theano_sets_openmp : bool
        Whether ``THEANO_FLAGS`` or ``.theanorc`` set Theano's ``openmp`` flag.
    n_cores : int
        Cores this process may run on.

    Returns
    -------
    bool
        True when the choice was inherited from an AgentNet parent process
        (``AGENTNET_SET_THREADS=1``), or when nobody chose (no thread-count
        variable, no ``openmp`` flag, no opt-out) and ``n_cores > 1``.
    """
    if environ.get(OPT_OUT, "") not in ("", "0"):
        return False
    if environ.get(MARK) == "1":
        return True
    user_chose = theano_sets_openmp or any(name in environ for name in THREAD_VARIABLES)
    return n_cores > 1 and not user_chose


def _theano_sets_openmp(configparser):
    return ("openmp" in configparser.THEANO_FLAGS_DICT
            or configparser.theano_cfg.has_option("global", "openmp"))


def available_cores():
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def configure_threads(configparser):
    """One OpenBLAS thread, parallel convolutions and short OpenMP spinning, when
    :func:`thread_tuning_allowed`.

    Sets ``OPENBLAS_NUM_THREADS=1`` and the mark ``AGENTNET_SET_THREADS=1``, and
    ``GOMP_SPINCOUNT=`` :data:`SPIN_COUNT` unless a variable of
    :data:`SPIN_VARIABLES` is set.

    Parameters
    ----------
    configparser : module
        ``theano.configparser``, once it has read ``THEANO_FLAGS`` and ``.theanorc``.
    """
    if thread_tuning_allowed(os.environ, _theano_sets_openmp(configparser), available_cores()):
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ[MARK] = "1"
        if not any(name in os.environ for name in SPIN_VARIABLES):
            os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT


def parallel_convolutions_enabled():
    """Whether this process runs its convolutions in parallel (AgentNet set the threads)."""
    return os.environ.get(MARK) == "1" and os.environ.get(OPT_OUT, "") in ("", "0")


def game_worker_environment(environ=None):
    """Variables for a game-worker process this one starts: ``{"OMP_NUM_THREADS": "1"}`` when
    AgentNet chose the thread split here and the user set no OpenMP thread count, else ``{}``.

    Parameters
    ----------
    environ : mapping of str to str or None
        This process's environment (None: ``os.environ``).

    Returns
    -------
    dict {str: str}
    """
    environ = os.environ if environ is None else environ
    if environ.get(MARK) == "1" and "OMP_NUM_THREADS" not in environ:
        return {"OMP_NUM_THREADS": "1"}
    return {}


def _parallel_corrmm_op(node):
    """The node's CorrMM op (forward or either gradient) with ``openmp=True``, or None if the
    node is no CorrMM or already parallel.
    """
    from theano.tensor.nnet import corr
    op = node.op
    if not isinstance(op, corr.BaseCorrMM) or op.openmp:
        return None
    return type(op)(border_mode=op.border_mode, subsample=op.subsample,
                    filter_dilation=op.filter_dilation, num_groups=op.num_groups,
                    unshared=op.unshared, openmp=True)


def _reads_large_shared_variable(node, min_size):
    from theano.compile import SharedVariable
    return any(isinstance(variable, SharedVariable)
               and getattr(variable.get_value(borrow=True), "size", 0) >= min_size
               for variable in node.inputs)


def _parallel_elemwise_op(node):
    """The node's Elemwise op with ``openmp=True`` if the node reads a shared variable of at least
    ``openmp_elemwise_minsize`` elements (a large weight matrix, its optimizer state), else None.
    """
    import theano
    from theano.tensor.elemwise import Elemwise
    op = node.op
    if not isinstance(op, Elemwise) or op.openmp or not _reads_large_shared_variable(
            node, theano.config.openmp_elemwise_minsize):
        return None
    return Elemwise(op.scalar_op, op.inplace_pattern, op.name, op.nfunc_spec, openmp=True)


def register_parallel_convolutions():
    """Add the graph optimization that runs CorrMM convolutions (forward and both gradients) over
    the batch on every core, once, when thread tuning is on.
    """
    from theano import compile
    if not parallel_convolutions_enabled() or _OPTIMIZATION in compile.optdb:
        return
    compile.optdb.register(_OPTIMIZATION, op_swap(_parallel_corrmm_op), _POSITION,
                           "fast_run", "fast_compile")


def register_parallel_elementwise():
    """Add the graph optimization that splits elementwise updates of large weights over the cores.

    An ``Elemwise`` that reads a shared variable of ``openmp_elemwise_minsize``
    (Theano flag, 200,000) elements or more, such as Adam's three updates of
    a 3136 x 512 dense weight matrix, gets its OpenMP version: each element is
    computed exactly as before, by ``omp_get_max_threads()`` threads. Other
    elementwise kernels, and their compile cache, stay as they are.
    Registered once, when thread tuning is on.
    """
    from theano import compile
    if not parallel_convolutions_enabled() or _ELEMWISE_OPTIMIZATION in compile.optdb:
        return
    compile.optdb.register(_ELEMWISE_OPTIMIZATION, op_swap(_parallel_elemwise_op),
                           _POSITION, "fast_run")
