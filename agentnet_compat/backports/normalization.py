"""``lasagne.layers.normalization`` of later Lasagne versions: BatchNormLayer, batch_norm."""
import theano
import theano.tensor as T
from lasagne import init, nonlinearities
from lasagne.layers import Layer, NonlinearityLayer

from ._checks import check_keywords, parameter_shape, resolve_axes, spread

__all__ = ["BatchNormLayer", "batch_norm"]


class BatchNormLayer(Layer):
    r"""Batch normalisation (Ioffe & Szegedy 2015).

    .. math::
        y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \, \gamma + \beta

    where :math:`\mu, \sigma^2` are computed over ``axes`` and
    :math:`\gamma, \beta` broadcast over them. In training (the default)
    :math:`\mu, \sigma^2` are the batch statistics and the running averages
    move towards them,

    .. math::
        m \leftarrow (1 - \alpha)\, m + \alpha\, \mu_{batch}, \qquad
        s \leftarrow (1 - \alpha)\, s + \alpha\, (\sigma^2_{batch} + \epsilon)^{-1/2},

    through the ``default_update`` of clones of ``mean`` and ``inv_std`` that
    ``theano.function`` applies at every call without being told. With
    ``deterministic=True`` the stored ``mean`` and ``inv_std`` are used and
    not updated.

    Parameters
    ----------
    incoming : layer or shape tuple
        Input ``[d_0, d_1, ...]``.
    axes : 'auto', int or tuple of ints
        Axes to normalise over; 'auto' = every axis but 1 (per unit for
        ``[batch, units]``, per channel for ``[batch, channels, rows, cols]``).
    epsilon : float
        Added to the variance, 1e-4.
    alpha : float
        Running-average rate, 0.1.
    beta : initializer, array, shared variable or None
        Shift :math:`\beta` (trainable, not regularizable); None removes it.
    gamma : initializer, array, shared variable or None
        Scale :math:`\gamma` (trainable, regularizable); None removes it.
    mean, inv_std : initializer, array or shared variable
        Running averages :math:`m` and :math:`s` (not trainable).
    **kwargs
        ``name``.

    Notes
    -----
    Flags read from ``lasagne.layers.get_output(..., **flags)``:
    ``deterministic`` (default False), ``batch_norm_use_averages`` (default:
    ``deterministic``) and ``batch_norm_update_averages`` (default: not
    ``deterministic``).

    References
    ----------
    S. Ioffe, C. Szegedy. Batch normalization: accelerating deep network
    training by reducing internal covariate shift. ICML 2015.
    """

    @check_keywords
    def __init__(self, incoming, axes="auto", epsilon=1e-4, alpha=0.1, beta=init.Constant(0),
                 gamma=init.Constant(1), mean=init.Constant(0), inv_std=init.Constant(1),
                 **kwargs):
        super(BatchNormLayer, self).__init__(incoming, **kwargs)
        self.axes = resolve_axes(axes, len(self.input_shape), "axes")
        self.epsilon, self.alpha = epsilon, alpha
        shape = parameter_shape(self.input_shape, self.axes, "BatchNormLayer")
        self.beta = None if beta is None else self.add_param(beta, shape, "beta",
                                                             regularizable=False)
        self.gamma = None if gamma is None else self.add_param(gamma, shape, "gamma")
        self.mean = self.add_param(mean, shape, "mean", trainable=False, regularizable=False)
        self.inv_std = self.add_param(inv_std, shape, "inv_std", trainable=False,
                                      regularizable=False)

    def get_output_for(self, input, deterministic=False, batch_norm_use_averages=None,
                       batch_norm_update_averages=None, **kwargs):
        use_averages = deterministic if batch_norm_use_averages is None \
            else batch_norm_use_averages
        update_averages = not deterministic if batch_norm_update_averages is None \
            else batch_norm_update_averages
        batch_mean = input.mean(self.axes)
        # inv_std = 1 / sqrt(var + eps)
        batch_inv_std = T.inv(T.sqrt(input.var(self.axes) + self.epsilon))
        mean, inv_std = (self.mean, self.inv_std) if use_averages else (batch_mean, batch_inv_std)
        if update_averages:
            mean = mean + 0 * self._running_average(self.mean, batch_mean)
            inv_std = inv_std + 0 * self._running_average(self.inv_std, batch_inv_std)
        return self._normalize(input, mean, inv_std)

    def _running_average(self, average, batch_value):
        """A clone of ``average`` whose default update moves it towards ``batch_value``.

        The clone shares the storage of ``average``; the update lives on the
        clone so that only functions built from this output apply it.
        Adding ``0 * clone`` to the output puts the clone in the graph.
        """
        clone = theano.clone(average, share_inputs=False)
        # m <- (1 - alpha) m + alpha * batch statistic
        clone.default_update = (1 - self.alpha) * clone + self.alpha * batch_value
        return clone

    def _normalize(self, input, mean, inv_std):
        def along_axes(param):
            return spread(param, self.axes, input.ndim)
        gamma = 1 if self.gamma is None else along_axes(self.gamma)
        beta = 0 if self.beta is None else along_axes(self.beta)
        return (input - along_axes(mean)) * (gamma * along_axes(inv_std)) + beta


def batch_norm(layer, **kwargs):
    r"""Batch-normalise a layer's pre-activation.

    ``layer``'s bias ``b`` is removed (the normalisation's :math:`\beta`
    replaces it) and its nonlinearity set to the identity; a
    :class:`BatchNormLayer` follows it and a ``NonlinearityLayer`` applies
    the original nonlinearity:

    .. math::
        f(x W + b) \;\to\; f(\mathrm{BN}(x W))

    Parameters
    ----------
    layer : layer
        Modified in place (``b`` and ``nonlinearity`` attributes, if any).
    **kwargs
        Passed to :class:`BatchNormLayer`; ``name`` defaults to
        ``layer.name + '_bn'`` and the nonlinearity layer gets
        ``<bn name>_nonlin``.

    Returns
    -------
    layer
        The ``NonlinearityLayer`` when ``layer`` had a nonlinearity, else the
        ``BatchNormLayer``.

    Raises
    ------
    TypeError
        When ``layer`` is not a Lasagne layer.
    """
    if not isinstance(layer, Layer):
        raise TypeError("`layer` must be a lasagne layer, got %s" % type(layer).__name__)
    nonlinearity = getattr(layer, "nonlinearity", None)
    if nonlinearity is not None:
        layer.nonlinearity = nonlinearities.identity
    if getattr(layer, "b", None) is not None:
        del layer.params[layer.b]
        layer.b = None
    name = kwargs.pop("name", None) or (layer.name and layer.name + "_bn")
    normalized = BatchNormLayer(layer, name=name, **kwargs)
    if nonlinearity is None:
        return normalized
    return NonlinearityLayer(normalized, nonlinearity, name=name and name + "_nonlin")
