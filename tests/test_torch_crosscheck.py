"""PyTorch as a second, independent oracle (float64): forward values, gradients, update rules,
schedules and batch-norm running statistics. Skipped when torch is not installed."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from mlp_lib.model import MLP                       # noqa: E402
from mlp_lib.optim import adam, adamw, make_schedule, rmsprop, sgd   # noqa: E402

TORCH_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
                     "leaky_relu": lambda: nn.LeakyReLU(0.01), "identity": nn.Identity}
N, D = 8, 4


def torch_copy(model):
    """An nn.Sequential with the same weights as ``model`` (nn.Linear stores W transposed)."""
    layers = []
    for l in range(1, model.num_layers + 1):
        W = model.params[f"W{l}"]
        hidden = l < model.num_layers
        linear = nn.Linear(*W.shape, bias=not (model.batchnorm and hidden)).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))
            if linear.bias is not None:
                linear.bias.copy_(torch.from_numpy(model.params[f"b{l}"]))
        layers.append(linear)
        if hidden:
            if model.batchnorm:
                bn = nn.BatchNorm1d(W.shape[1], momentum=0.1, eps=1e-5).double()
                with torch.no_grad():
                    bn.weight.copy_(torch.from_numpy(model.params[f"gamma{l}"]))
                    bn.bias.copy_(torch.from_numpy(model.params[f"beta{l}"]))
                layers.append(bn)
            layers.append(TORCH_ACTIVATIONS[model.activation[0].__name__]())
    return nn.Sequential(*layers)


def torch_grads(net, model):
    """Gradients of the torch copy, renamed and transposed to the model's parameter names."""
    grads, l = {}, 0
    for module in net:
        if isinstance(module, nn.Linear):
            l += 1
            grads[f"W{l}"] = module.weight.grad.numpy().T
            if module.bias is not None:
                grads[f"b{l}"] = module.bias.grad.numpy()
        elif isinstance(module, nn.BatchNorm1d):
            grads[f"gamma{l}"], grads[f"beta{l}"] = module.weight.grad.numpy(), module.bias.grad.numpy()
    assert set(grads) == set(model.params)
    return grads


def _data(loss, rng):
    X = rng.standard_normal((N, D))
    if loss == "softmax_cross_entropy":
        return X, rng.integers(0, 3, N), 3
    if loss == "softmax_cross_entropy (probabilities)":
        return X, rng.dirichlet(np.ones(3), N), 3
    if loss == "binary_cross_entropy":
        return X, rng.integers(0, 2, N).astype(float), 1
    return X, rng.standard_normal((N, 2)), 2


def _torch_loss(loss, logits, y):
    if loss.startswith("softmax_cross_entropy"):
        target = torch.from_numpy(y) if y.ndim == 2 else torch.from_numpy(y).long()
        return nn.functional.cross_entropy(logits, target)
    if loss == "binary_cross_entropy":
        return nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y)[:, None])
    return nn.functional.mse_loss(logits, torch.from_numpy(y))


LOSS_CASES = ["softmax_cross_entropy", "softmax_cross_entropy (probabilities)", "binary_cross_entropy", "mse"]


@pytest.mark.parametrize("loss", LOSS_CASES)
@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1}, {"batchnorm": True}],
                         ids=["plain", "weight_decay", "batchnorm"])
def test_forward_loss_and_gradients_match_torch(loss, activation, options):
    rng = np.random.default_rng(0)
    X, y, C = _data(loss, rng)
    model = MLP([D, 5, 6, C], activation=activation, loss=loss.split()[0], seed=1, **options)
    for name, value in model.params.items():          # non-trivial biases and batch-norm parameters
        if name[0] in "bg":
            model.params[name] = value + rng.uniform(-0.5, 0.5, value.shape)
    net = torch_copy(model)

    net.eval()
    with torch.no_grad():
        expected_out = net(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(model.forward(X), expected_out, rtol=1e-12, atol=1e-14)

    net.train()
    torch_loss = _torch_loss(loss, net(torch.from_numpy(X)), y)
    if options.get("weight_decay"):
        Ws = [m.weight for m in net if isinstance(m, nn.Linear)]
        torch_loss = torch_loss + 0.5 * options["weight_decay"] * sum((W ** 2).sum() for W in Ws)
    torch_loss.backward()
    value, grads = model.loss(X, y)
    assert value == pytest.approx(torch_loss.item(), rel=1e-12)
    expected = torch_grads(net, model)
    for name in model.params:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-10, atol=1e-13, err_msg=name)


def test_batchnorm_running_statistics_match_torch():
    rng = np.random.default_rng(2)
    model = MLP([D, 5, 3], batchnorm=True, seed=3)
    net = torch_copy(model)
    net.train()
    for _ in range(4):                                  # several training passes on different batches
        X = 3 * rng.standard_normal((N, D)) + 1
        model.loss(X, rng.integers(0, 3, N))
        net(torch.from_numpy(X))
    bn = net[1]
    np.testing.assert_allclose(model.bn_running[1]["mean"], bn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.bn_running[1]["var"], bn.running_var.numpy(), rtol=1e-12)
    # evaluation mode uses those running statistics in both
    X = rng.standard_normal((N, D))
    net.eval()
    with torch.no_grad():
        np.testing.assert_allclose(model.forward(X), net(torch.from_numpy(X)).numpy(), rtol=1e-11, atol=1e-13)


OPTIMIZER_CASES = [
    (sgd, torch.optim.SGD, {"momentum": 0.0}),
    (sgd, torch.optim.SGD, {"momentum": 0.9}),
    (sgd, torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    (sgd, torch.optim.SGD, {"momentum": 0.8, "dampening": 0.3}),
    (sgd, torch.optim.SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    (sgd, torch.optim.SGD, {"weight_decay": 0.1}),
    (rmsprop, torch.optim.RMSprop, {}),
    (rmsprop, torch.optim.RMSprop, {"alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    (adam, torch.optim.Adam, {}),
    (adam, torch.optim.Adam, {"betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}),
    (adamw, torch.optim.AdamW, {}),
    (adamw, torch.optim.AdamW, {"betas": (0.85, 0.99), "weight_decay": 0.3}),
]


@pytest.mark.parametrize("rule, torch_class, hyper", OPTIMIZER_CASES,
                         ids=[f"{c[0].__name__}-{'-'.join(c[2]) or 'default'}" for c in OPTIMIZER_CASES])
def test_update_rule_matches_torch_optim(rule, torch_class, hyper):
    rng = np.random.default_rng(4)
    lr, steps = 0.05, 6
    param = rng.standard_normal((3, 2))
    t_param = torch.tensor(param.copy(), requires_grad=True)
    t_opt = torch_class([t_param], lr=lr, **hyper)
    state = None
    for _ in range(steps):
        grad = rng.standard_normal(param.shape)     # the same gradients for both
        param, state = rule(param, grad, state, lr, **hyper)
        t_param.grad = torch.from_numpy(grad.copy())
        t_opt.step()
        np.testing.assert_allclose(param, t_param.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, kwargs, torch_scheduler", [
    ("step", {"step_size": 3, "gamma": 0.5}, lambda opt: torch.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5)),
    ("exponential", {"gamma": 0.9}, lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)),
    ("cosine", {"T": 7, "lr_min": 0.01}, lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, 7, eta_min=0.01)),
])
def test_schedules_match_torch(name, kwargs, torch_scheduler):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    scheduler = torch_scheduler(opt)
    ours = make_schedule(name, 0.2, **kwargs)
    for t in range(8):
        assert ours(t) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-10, abs=1e-15), f"epoch {t}"
        opt.step()
        scheduler.step()
