"""Property-based tests (Hypothesis) of the array functions: activations, layers, losses,
gradcheck and metrics. Each draws clean inputs, maybe makes one hostile (dtype, container,
NaN, infinity, huge, denormal), and demands either the result an independent reference gives
for the values effectively passed, or a ValueError/TypeError from mlp_lib naming expected and
given (see fuzz_support)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from fuzz_support import (FEW, FUZZ, MUTATIONS, Expect, all_finite, clean, combine, expect_outcome, hostile, shapes, tol,
                          torch_loss)
from mlp_lib import activations as A
from mlp_lib import gradcheck as G
from mlp_lib import layers as L
from mlp_lib import losses as S
from mlp_lib import metrics as M

try:
    import torch
except ImportError:  # PyTorch is optional: the numpy references below are used alone
    torch = None

# -- activations: elementwise references written independently of the package ------------------

ELEMENTWISE = {
    "sigmoid": (A.sigmoid, lambda z: special.expit(z)),
    "sigmoid_prime": (A.sigmoid_prime, lambda z: special.expit(z) * special.expit(-z)),
    "tanh": (A.tanh, np.tanh),
    "tanh_prime": (A.tanh_prime, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (A.relu, lambda z: np.where(z > 0, z, 0.0)),
    "relu_prime": (A.relu_prime, lambda z: (z > 0).astype(float)),
    "identity": (A.identity, lambda z: z),
    "identity_prime": (A.identity_prime, np.ones_like),
}


@pytest.mark.parametrize("name", ELEMENTWISE)
@FUZZ
@given(data=st.data())
def test_elementwise_activations(name, data):
    f, reference = ELEMENTWISE[name]
    z, expect = hostile(data.draw, clean(data.draw, data.draw(shapes([0, 1, 2]))))
    out = expect_outcome(expect, f, z)
    if out is not None:
        assert np.shape(out) == expect.values.shape and all_finite(out)
        np.testing.assert_allclose(np.asarray(out, dtype=np.float64), reference(expect.values), **tol(expect))
        assert np.asarray(out).dtype in (np.float32, np.float64)


@pytest.mark.parametrize("f, reference", [(A.leaky_relu, lambda z, a: np.where(z > 0, z, a * z)),
                                          (A.leaky_relu_prime, lambda z, a: np.where(z > 0, 1.0, a))],
                         ids=["leaky_relu", "leaky_relu_prime"])
@FEW
@given(data=st.data(), alpha=st.one_of(st.floats(0, 0.99), st.sampled_from([-0.1, 1.0, 5.0, np.nan, True, "0.1"])))
def test_leaky_relu(f, reference, data, alpha):
    z, expect = hostile(data.draw, clean(data.draw, data.draw(shapes([1, 2]))))
    valid_alpha = isinstance(alpha, float) and 0 <= alpha < 1
    expect = expect if valid_alpha else combine(expect, Expect(refuse=(ValueError, TypeError)))
    out = expect_outcome(expect, f, z, alpha=alpha)
    if out is not None:
        np.testing.assert_allclose(out, reference(expect.values, alpha), **tol(expect))


@pytest.mark.parametrize("f, reference", [(A.softmax, special.softmax), (A.log_softmax, special.log_softmax)],
                         ids=["softmax", "log_softmax"])
@FUZZ
@given(data=st.data(), axis=st.sampled_from([-1, 0, 1, 2, -3]))
def test_softmax(f, reference, data, axis):
    z, expect = hostile(data.draw, clean(data.draw, data.draw(shapes([0, 1, 2])), -20, 20))
    ndim = np.ndim(np.asarray(z, dtype=object)) if not isinstance(z, np.ndarray) else z.ndim
    if expect.ok and (ndim == 0 or not -ndim <= axis < ndim):
        expect = Expect(refuse=(ValueError,))
    out = expect_outcome(expect, f, z, axis=axis)
    if out is not None:
        np.testing.assert_allclose(out, reference(expect.values, axis=axis), **tol(expect))


# -- layers ----------------------------------------------------------------------------------

@st.composite
def affine_inputs(draw):
    N, D, M = draw(st.integers(0, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    X, eX = hostile(draw, clean(draw, (N, D)))
    W, eW = hostile(draw, clean(draw, (D, M)))
    b, eb = hostile(draw, clean(draw, (M,)))
    expect = combine(eX, eW, eb)
    if N == 0:                                    # an empty batch is refused, whatever else is wrong
        expect = Expect(refuse=tuple({ValueError, *expect.refuse}))
    wrong = draw(st.sampled_from([None, None, None, "W rows", "b size", "X 1-D"]))
    if wrong == "W rows":
        W = np.zeros((D + 1, M))
    elif wrong == "b size":
        b = np.zeros(M + 1)
    elif wrong == "X 1-D":
        X = np.zeros(D)
    if wrong:
        expect = combine(expect, Expect(refuse=(ValueError,)))
    return X, W, b, (eX, eW, eb), expect


@FUZZ
@given(inputs=affine_inputs())
def test_affine_forward_and_backward(inputs):
    X, W, b, (eX, eW, eb), expect = inputs
    result = expect_outcome(expect, L.affine_forward, X, W, b)
    if result is None:
        return
    out, cache = result
    x, w, bias = eX.values, eW.values, eb.values
    np.testing.assert_allclose(out, np.einsum("nd,dm->nm", x, w) + bias, **tol(expect))
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dX, dW, db = expect_outcome(Expect(values=None, dtype=expect.dtype), L.affine_backward, dout, cache)
    np.testing.assert_allclose(dX, dout @ w.T, **tol(expect))
    np.testing.assert_allclose(dW, x.T @ dout, **tol(expect))
    np.testing.assert_allclose(db, dout.sum(axis=0), **tol(expect))
    bad = expect_outcome(Expect(refuse=(ValueError,)), L.affine_backward, np.zeros((out.shape[0], out.shape[1] + 1)),
                         cache)
    assert bad is None


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
@FEW
@given(data=st.data())
def test_activation_layer(name, data):
    z, expect = hostile(data.draw, clean(data.draw, data.draw(shapes(2))))
    f, f_prime = A.ACTIVATIONS[name]
    result = expect_outcome(expect, L.activation_forward, z, name)
    if result is None:
        return
    a, cache = result
    np.testing.assert_allclose(a, f(expect.values), **tol(expect))
    da = np.ones(a.shape)
    np.testing.assert_allclose(L.activation_backward(da, cache), f_prime(expect.values), **tol(expect))
    expect_outcome(Expect(refuse=(ValueError,)), L.activation_backward, np.ones(a.size + 1), cache)


@FUZZ
@given(data=st.data(), p=st.one_of(st.floats(0, 0.95), st.sampled_from([1.0, -0.1, np.nan, "0.5", None])))
def test_dropout_with_a_fixed_mask(data, p):
    shape = data.draw(shapes(2))
    X, expect = hostile(data.draw, clean(data.draw, shape))
    mask = np.random.default_rng(1).random(shape) < 0.5
    if not (isinstance(p, float) and 0 <= p < 1):
        expect = combine(expect, Expect(refuse=(ValueError, TypeError)))
    result = expect_outcome(expect, L.dropout_forward, X, p, None, True, mask)
    if result is None:
        return
    out, cache = result
    reference = expect.values if p == 0 else expect.values * mask / (1 - p)
    np.testing.assert_allclose(out, reference, **tol(expect))
    dout = np.ones(shape)
    np.testing.assert_allclose(L.dropout_backward(dout, cache), dout if p == 0 else mask / (1 - p), **tol(expect))


def test_dropout_scales_a_bool_input():
    """A bool array is numbers 0 and 1: kept units are scaled by 1/(1-p) as any others."""
    X = np.ones((2, 3), dtype=bool)
    out, _ = L.dropout_forward(X, 0.5, mask=np.ones((2, 3)))
    np.testing.assert_array_equal(out, np.full((2, 3), 2.0))


@FUZZ
@given(data=st.data(), train=st.sampled_from([True, False, "no"]))
def test_batchnorm(data, train):
    N, H = data.draw(st.integers(0, 5)), data.draw(st.integers(1, 4))
    X, expect = hostile(data.draw, clean(data.draw, (N, H)))
    gamma, beta = np.random.default_rng(2).uniform(0.5, 2, H), np.zeros(H)
    running = {"mean": np.zeros(H), "var": np.ones(H)}
    if train == "no":
        expect = combine(expect, Expect(refuse=(TypeError,) if N else (TypeError, ValueError)))
    elif expect.ok and (N == 0 or (train and N < 2)):
        expect = Expect(refuse=(ValueError,))
    result = expect_outcome(expect, L.batchnorm_forward, X, gamma, beta, running, train)
    if result is None:
        return
    out, cache, new_running = result
    x = expect.values
    mu, var = (x.mean(axis=0), x.var(axis=0)) if train else (running["mean"], running["var"])
    np.testing.assert_allclose(out, gamma * (x - mu) / np.sqrt(var + 1e-5) + beta, rtol=1e-3, atol=1e-3)
    assert all_finite(new_running) and np.all(new_running["var"] >= 0)
    if torch is not None and expect.dtype == np.float64 and train:
        xt = torch.tensor(x, requires_grad=True)
        bn = torch.nn.BatchNorm1d(H, dtype=torch.float64)
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(gamma))
        dout = np.random.default_rng(3).standard_normal((N, H))
        bn(xt).backward(torch.tensor(dout))
        dX, dgamma, dbeta = L.batchnorm_backward(dout, cache)
        np.testing.assert_allclose(dX, xt.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(dgamma, bn.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(new_running["var"], bn.running_var.numpy(), rtol=1e-6)


# -- losses ----------------------------------------------------------------------------------

def reference_losses(name, z, y):
    """(loss, dlogits) by PyTorch autograd if installed, else by centred differences of a
    loss written independently with scipy."""
    if torch is not None:
        zt = torch.tensor(z, requires_grad=True)
        loss = torch_loss(name, zt, y)
        loss.backward()
        return loss.item(), zt.grad.numpy()

    def value(zz):
        if name == "mse":
            return np.mean((zz - y.reshape(zz.shape)) ** 2)
        if name == "binary_cross_entropy":
            yy = y.reshape(zz.shape)
            return np.mean(np.logaddexp(0, zz) - zz * yy)
        Y = np.eye(zz.shape[1])[y.astype(int)] if y.ndim == 1 else y
        return -np.sum(Y * special.log_softmax(zz, axis=1)) / len(zz)
    grad = np.zeros_like(z)
    for i in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[i] += 1e-6
        zm[i] -= 1e-6
        grad[i] = (value(zp) - value(zm)) / 2e-6
    return value(z), grad


@st.composite
def loss_inputs(draw):
    name = draw(st.sampled_from(["mse", "binary_cross_entropy", "softmax_cross_entropy"]))
    N = draw(st.integers(0, 5))
    C = draw(st.integers(1, 4)) if name != "binary_cross_entropy" else 1
    shape = draw(st.sampled_from([(N, C), (N,)])) if C == 1 else (N, C)
    if name == "softmax_cross_entropy":
        shape = (N, C)
    z, expect = hostile(draw, clean(draw, shape, -5, 5))
    target = draw(st.sampled_from(["labels", "soft", "unnormalised"])) if name == "softmax_cross_entropy" else "real"
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    if name == "mse":
        y = rng.normal(size=shape)
    elif name == "binary_cross_entropy":
        y = rng.random(shape)
    elif target == "labels":
        y = rng.integers(0, C, N).astype(float)
    else:
        y = rng.random((N, C))
        y = y / y.sum(axis=1, keepdims=True) if target == "soft" else y
    kind = "labels" if target == "labels" else "unit" if name != "mse" else "real"
    y_in, e_y = hostile(draw, y, kind, allow=[m for m in MUTATIONS if m not in ("big", "denormal")])
    expect = combine(expect, e_y)
    if N == 0:                                    # an empty batch is refused, whatever else is wrong
        expect = Expect(refuse=tuple({ValueError, *expect.refuse}))
    if name == "softmax_cross_entropy" and draw(st.integers(0, 5)) == 0:      # 1-D logits (C,) of one sample
        z, expect = clean(draw, (C,)), combine(e_y, Expect(refuse=(ValueError,)))
    return name, z, y_in, expect, y if e_y.ok else None, e_y


@FUZZ
@given(inputs=loss_inputs())
def test_losses_against_a_reference(inputs):
    name, z, y, expect, _, e_y = inputs
    result = expect_outcome(expect, S.LOSSES[name], z, y)
    if result is None:
        return
    loss, dlogits = result
    assert isinstance(loss, float) and np.isfinite(loss) and all_finite(dlogits)
    zz = np.asarray(z, dtype=np.float64) if not isinstance(z, np.matrix) else np.asarray(z, dtype=np.float64)
    ref_loss, ref_grad = reference_losses(name, np.asarray(zz, dtype=np.float64), e_y.values)
    rtol = 1e-4 if expect.dtype == np.float32 or torch is None else 1e-6
    assert loss == pytest.approx(ref_loss, rel=rtol, abs=1e-7)
    np.testing.assert_allclose(dlogits, ref_grad, rtol=rtol, atol=1e-7)


def test_soft_targets_whose_rows_do_not_sum_to_one_get_the_gradient_of_their_loss():
    """torch's cross-entropy with probabilities: d/dz = softmax(z) * sum(t) - t per row."""
    rng = np.random.default_rng(0)
    z, t = rng.standard_normal((4, 3)), rng.random((4, 3))        # rows of t sum to anything in (0, 3)
    loss, dlogits = S.softmax_cross_entropy(z, t)
    p = special.softmax(z, axis=1)
    np.testing.assert_allclose(dlogits, (p * t.sum(axis=1, keepdims=True) - t) / 4, rtol=1e-12)
    ref_loss, ref_grad = reference_losses("softmax_cross_entropy", z, t)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    np.testing.assert_allclose(dlogits, ref_grad, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", ["mse", "binary_cross_entropy", "softmax_cross_entropy"])
def test_losses_compute_raw_bytes_in_float64(name):
    """uint8 logits (raw pixel bytes) are computed in float64, not in NumPy's float16."""
    z = np.array([[3], [200], [17]], dtype=np.uint8) if name != "softmax_cross_entropy" else \
        np.array([[3, 200], [17, 90], [1, 2]], dtype=np.uint8)
    y = np.array([0.25, 1.0, 0.5]) if name != "softmax_cross_entropy" else np.array([0, 1, 1])
    loss, dlogits = S.LOSSES[name](z, y)
    ref_loss, ref_grad = reference_losses(name, z.astype(np.float64), y)
    assert dlogits.dtype == np.float64
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    np.testing.assert_allclose(dlogits, ref_grad, rtol=1e-5, atol=1e-9)


def test_mse_of_a_matrix_is_elementwise():
    pred, y = np.matrix([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 0.0], [0.0, 1.0]])
    loss, dpred = S.mse(pred, y)
    assert loss == pytest.approx((1 + 4 + 9 + 9) / 4)
    assert type(dpred) is np.ndarray


# -- gradcheck --------------------------------------------------------------------------------

@FUZZ
@given(data=st.data())
def test_numerical_gradient(data):
    shape = data.draw(shapes([1, 2], max_side=3))
    x, expect = hostile(data.draw, clean(data.draw, shape),
                        allow=[m for m in MUTATIONS if m not in ("big",)])
    c = np.random.default_rng(4).standard_normal(shape)
    if isinstance(x, np.ndarray) and type(x) is np.ndarray and x.dtype.kind == "f":
        values = x.astype(np.float64)
        if x.dtype == np.float16:
            expect = Expect(refuse=(TypeError,))
        elif not x.flags.writeable:
            expect = Expect(refuse=(ValueError,))
    else:                                     # lists, ints, bools, matrices: f would not see the steps
        expect = Expect(refuse=(TypeError,)) if expect.refuse != (ValueError,) or isinstance(x, (list, tuple)) \
            else expect
        if not isinstance(x, np.ndarray) or x.dtype.kind != "f" or type(x) is not np.ndarray:
            expect = Expect(refuse=(TypeError, ValueError))
        values = None

    def f():
        return float(np.sum(c * np.sin(np.asarray(x, dtype=np.float64))))

    grad = expect_outcome(expect, G.numerical_gradient, f, x, 1e-3 if expect.dtype == np.float32 else 1e-5)
    if grad is not None:
        rtol = 1e-3 if x.dtype == np.float32 else 1e-6
        np.testing.assert_allclose(grad, c * np.cos(values), rtol=rtol, atol=rtol)


def test_numerical_gradient_refuses_integers_and_half_precision():
    for x in (np.arange(3), np.arange(3, dtype=np.float16), np.array([True, False])):
        with pytest.raises(TypeError, match="float64"):
            G.numerical_gradient(lambda: float(np.sum(x ** 2)), x)


@FUZZ
@given(data=st.data(), same_shape=st.booleans())
def test_rel_error(data, same_shape):
    shape = data.draw(shapes([0, 1, 2]))
    a, ea = hostile(data.draw, clean(data.draw, shape))
    b_clean = clean(data.draw, shape) if same_shape else clean(data.draw, shape + (2,))
    b, eb = hostile(data.draw, b_clean)
    expect = combine(ea, eb)
    if expect.ok and not same_shape:
        expect = Expect(refuse=(ValueError,))
    err = expect_outcome(expect, G.rel_error, a, b)
    if err is not None:
        x, y = ea.values, eb.values
        ref = np.sqrt(np.sum((x - y) ** 2)) / max(np.sqrt(np.sum(x ** 2)) + np.sqrt(np.sum(y ** 2)), 1e-12)
        assert 0 <= err <= 1 and err == pytest.approx(ref, rel=1e-6, abs=1e-12)
        assert G.rel_error(a, a) == 0.0


# -- metrics ----------------------------------------------------------------------------------

@st.composite
def label_pairs(draw):
    N, C = draw(st.integers(0, 6)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    y_true, y_pred = rng.integers(0, C, N).astype(float), rng.integers(0, C, N).astype(float)
    yt, et = hostile(draw, y_true, "labels", allow=[m for m in MUTATIONS if m not in ("matrix", "int8")])
    yp, ep = hostile(draw, y_pred, "labels", allow=[m for m in MUTATIONS if m not in ("matrix", "int8")])
    kind = draw(st.sampled_from(["ok", "ok", "probabilities", "2-D", "short", "negative"]))
    expect = combine(et, ep)
    if kind == "probabilities" and N:
        yp, expect = rng.random(N), combine(et, Expect(refuse=(ValueError,)))
    elif kind == "2-D" and N:
        yp, expect = rng.random((N, C)), combine(et, Expect(refuse=(ValueError,)))
    elif kind == "short" and N:
        yp, expect = np.zeros(N - 1, dtype=int), combine(expect, Expect(refuse=(ValueError,)))
    elif kind == "negative" and N:
        yp, expect = -np.ones(N, dtype=int), combine(expect, Expect(refuse=(ValueError,)))
    if N == 0 or (expect.ok and len(np.ravel(et.values)) == 0):
        expect = Expect(refuse=(ValueError, TypeError))
    return yt, yp, C, expect, et, ep


@FUZZ
@given(pair=label_pairs())
def test_metrics_against_counting(pair):
    yt, yp, C, expect, et, ep = pair
    acc = expect_outcome(expect, M.accuracy, yt, yp)
    if expect.ok and max(et.values.max(), ep.values.max()) >= C:     # a huge label: no class C counts it
        expect = Expect(refuse=(ValueError,))
    M_ = expect_outcome(expect, M.confusion_matrix, yt, yp, C)
    if acc is not None:
        assert acc == pytest.approx(np.mean(et.values == ep.values))
    if M_ is None:
        return
    t, p = et.values.astype(int), ep.values.astype(int)
    assert acc == pytest.approx(sum(a == b for a, b in zip(t, p)) / len(t))
    counts = np.zeros((C, C), dtype=int)
    for a, b in zip(t, p):
        counts[a, b] += 1
    np.testing.assert_array_equal(M_, counts)
    precision, recall = M.precision_recall(yt, yp, C)
    assert np.all((0 <= precision) & (precision <= 1)) and np.all((0 <= recall) & (recall <= 1))


@pytest.mark.parametrize("metric", [M.accuracy, M.confusion_matrix, M.precision_recall])
def test_float_labels_are_refused_with_the_way_to_labels(metric):
    with pytest.raises(ValueError, match="argmax"):
        metric([0, 1, 1], [0.2, 0.7, 0.9])


# -- binary metrics: hostile scores and labels; the curves against counting every pair -------------

@FUZZ
@given(data=st.data())
def test_binary_curves_against_pairwise_counting(data):
    N = data.draw(st.integers(1, 12))
    s_clean = np.round(clean(data.draw, (N,)), data.draw(st.sampled_from([0, 1, 6])))      # ties, or few
    scores, es = hostile(data.draw, s_clean, allow=["clean", "clean", "list", "float32", "int64", "nan", "inf",
                                                    "big", "complex", "str", "readonly"])
    y = np.asarray(data.draw(st.lists(st.sampled_from([0, 1]), min_size=N, max_size=N)))
    kind = data.draw(st.sampled_from(["ok", "ok", "ok", "three", "short", "float"]))
    expect = es
    if kind == "three":
        y = y.copy()
        y[0] = 2
        expect = combine(es, Expect(refuse=(ValueError,)))
    elif kind == "short":
        y = y[:-1]
        expect = combine(es, Expect(refuse=(ValueError, TypeError)))
    elif kind == "float":
        y = y + 0.5
        expect = combine(es, Expect(refuse=(ValueError,)))
    if len(y) == 0 or (expect.ok and len(set(y.tolist())) < 2):                 # a curve needs both classes
        expect = combine(expect, Expect(refuse=(ValueError,)))
    roc = expect_outcome(expect, M.roc_curve, y, scores)
    pr = expect_outcome(expect, M.precision_recall_curve, y, scores)
    ap = expect_outcome(expect, M.average_precision, y, scores)
    if roc is None:
        return
    s = np.asarray(es.values, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    pairwise = (np.sum(diff > 0) + 0.5 * np.sum(diff == 0)) / diff.size
    fpr, tpr, thresholds = roc
    assert M.auc(fpr, tpr) == pytest.approx(pairwise, abs=1e-6)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0) and fpr[-1] == tpr[-1] == 1
    precision, recall, _ = pr
    assert len(precision) == len(np.unique(s)) == len(thresholds) - 1
    assert np.all((0 <= precision) & (precision <= 1)) and recall[-1] == 1 and 0 < ap <= 1
    assert precision[-1] == pytest.approx(y.mean())                  # the lowest threshold: all positive
    pred = (s >= np.median(s)).astype(np.int64)
    P, R, F = M.precision_recall_f1(y, pred)
    tp = np.sum(pred & y)
    assert F == pytest.approx(2 * tp / (pred.sum() + y.sum()))


@FUZZ
@given(data=st.data())
def test_auc_of_hostile_points(data):
    N = data.draw(st.integers(1, 8))
    x_clean = np.sort(clean(data.draw, (N,)))[::data.draw(st.sampled_from([1, -1]))]
    x, ex = hostile(data.draw, x_clean, allow=["clean", "list", "nan", "complex", "float32"])
    y, ey = hostile(data.draw, clean(data.draw, (N,)), allow=["clean", "inf", "str"])
    expect = combine(ex, ey)
    if N < 2:
        expect = combine(expect, Expect(refuse=(ValueError,)))
    area = expect_outcome(expect, M.auc, x, y)
    if area is not None:
        xs, ys = np.asarray(ex.values, float), np.asarray(ey.values, float)
        trapezoids = sum(abs(xs[i + 1] - xs[i]) * (ys[i] + ys[i + 1]) / 2 for i in range(N - 1))
        assert area == pytest.approx(trapezoids, rel=1e-5, abs=1e-6)
