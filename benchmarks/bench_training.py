"""Training speed of mlp_lib beside a hand-written NumPy loop and PyTorch eager, on the CPU.

    .venv/bin/python benchmarks/bench_training.py [--reps 7] [--course] [--profile]

Four workloads, each trained on the same data, from the same initial weights, visiting the
same mini-batches in the same order:

  W1  digits-sized  64-128-10 ReLU, softmax cross-entropy, batch 64, 20 epochs on 1,437 samples (float32)
  W2  784-256-256-10 ReLU, softmax cross-entropy, batch 128, 2 epochs on 10,000 random samples (float32)
  W3  XOR           2-4-1 sigmoid, binary cross-entropy, full batch, 10,000 steps (float32)
  W4  moons         2-16-16-2 ReLU, softmax cross-entropy, batch 32, 50 epochs on 1,000 samples
                    (float64, the lessons' default dtype)

Each is trained through ``mlp_lib.train`` (the public API), through a minimal hand-written
NumPy loop of the same maths, and through PyTorch eager (nn.Linear, torch.optim.SGD) when
torch is installed. The script prints the median (and best) wall time of several
repetitions after a warm-up, the ratios mlp_lib / hand-written and PyTorch / mlp_lib, the
final losses and how far the three sets of final weights are apart (they should agree to
float32 rounding, which shows that the three loops do the same work), and for W2 the FLOP
rate achieved as a fraction of this machine's float32 matrix-multiply rate, measured in the
same run. ``--profile`` adds cProfile's top entries for mlp_lib on every workload (by
default they are shown only for a workload that misses its target). ``--course`` also
executes every notebook in notebooks/ and solutions/ in a fresh kernel (copies in a
temporary folder; nothing is written back) and prints the time of each.

This is a benchmark, not a test: nothing here fails; read the numbers.
"""
import argparse
import cProfile
import importlib.util
import io
import os
import pathlib
import platform
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

import mlp_lib
from mlp_lib.data import load_digits, make_moons
from mlp_lib.model import MLP
from mlp_lib.train import train

try:
    import torch
except ImportError:  # PyTorch is optional
    torch = None

ROOT = pathlib.Path(__file__).resolve().parent.parent
DTYPE = np.float32

# name, layer sizes, activation, loss, batch size, epochs, learning rate
WORKLOADS = {
    "W1": dict(title="digits 64-128-10, batch 64, 20 epochs", sizes=[64, 128, 10], activation="relu",
               loss="softmax_cross_entropy", batch_size=64, epochs=20, lr=0.05),
    "W2": dict(title="784-256-256-10, batch 128, 2 epochs", sizes=[784, 256, 256, 10], activation="relu",
               loss="softmax_cross_entropy", batch_size=128, epochs=2, lr=0.05),
    "W3": dict(title="XOR 2-4-1 sigmoid, full batch, 10,000 steps", sizes=[2, 4, 1], activation="sigmoid",
               loss="binary_cross_entropy", batch_size=4, epochs=10_000, lr=1.0),
    "W4": dict(title="moons 2-16-16-2 float64, batch 32, 50 epochs", sizes=[2, 16, 16, 2], activation="relu",
               loss="softmax_cross_entropy", batch_size=32, epochs=50, lr=0.1, dtype=np.float64),
}
# targets: mlp_lib / hand-written at most this, PyTorch / mlp_lib at least this
MAX_OVERHEAD = 1.15
MIN_TORCH_RATIO = {"W1": 3.0, "W2": 1.0, "W3": 3.0, "W4": 3.0}
MIN_MATMUL_FRACTION = 0.70
SEED = 0


# -- data ---------------------------------------------------------------------------------
def make_data(name):
    """X: (N, D) of the workload's dtype and y: (N,) labels (the same for all three loops)."""
    if name == "W1":
        X, y = load_digits()
        X, y = X[:1437] / 16.0, y[:1437]          # the 80 % training part of the 1,797 digits
    elif name == "W4":
        X, y = make_moons(n=1000, noise=0.2, seed=SEED)
    elif name == "W2":
        rng = np.random.default_rng(SEED)
        X, y = rng.standard_normal((10_000, 784)), rng.integers(0, 10, 10_000)
    else:
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
        y = np.array([0, 1, 1, 0])
    return np.ascontiguousarray(X, dtype=WORKLOADS[name].get("dtype", DTYPE)), y.astype(np.intp)


def batch_orders(N, batch_size, epochs):
    """The index of every mini-batch, in the order mlp_lib.train visits them (seed SEED)."""
    if batch_size >= N:                         # full batch: no shuffling
        return [[np.arange(N)]] * epochs
    rng = np.random.default_rng(SEED)
    orders = []
    for _ in range(epochs):
        order = rng.permutation(N)
        orders.append([order[s:s + batch_size] for s in range(0, N, batch_size)])
    return orders


def clock(start=None):
    """(wall, CPU) seconds now, or elapsed since ``start``. The CPU time of this process
    is the steadier figure when other processes compete for the cores."""
    now = (time.perf_counter(), time.process_time())
    return now if start is None else (now[0] - start[0], now[1] - start[1])


# -- the three loops ------------------------------------------------------------------------
def run_mlp_lib(w, X, y, init_params):
    model = MLP(w["sizes"], activation=w["activation"], loss=w["loss"], seed=SEED, dtype=X.dtype)
    model.params = {k: v.copy() for k, v in init_params.items()}
    start = clock()
    history = train(model, X, y, epochs=w["epochs"], lr=w["lr"], batch_size=w["batch_size"], seed=SEED)
    elapsed = clock(start)
    return elapsed, history.step_loss[-1], model.params


def run_numpy(w, X, y, init_params):
    """The same training written directly in NumPy, as one would without a library."""
    W1, b1, W2, b2 = (init_params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    W3, b3 = (init_params[k].copy() for k in ("W3", "b3")) if "W3" in init_params else (None, None)
    lr = X.dtype.type(w["lr"])
    orders = batch_orders(len(X), w["batch_size"], w["epochs"])
    step_loss = []
    start = clock()
    if w["loss"] == "binary_cross_entropy":       # W3: one sigmoid hidden layer, full batch
        t = y[:, None].astype(X.dtype)
        N = len(X)
        for _ in range(w["epochs"]):
            z1 = X @ W1 + b1
            a1 = 1 / (1 + np.exp(-z1))
            z2 = a1 @ W2 + b2
            step_loss.append(float(np.mean(np.logaddexp(0, z2) - z2 * t)))
            dz2 = (1 / (1 + np.exp(-z2)) - t) / N
            dW2, db2 = a1.T @ dz2, dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * a1 * (1 - a1)
            dW1, db1 = X.T @ dz1, dz1.sum(axis=0)
            W1 -= lr * dW1
            b1 -= lr * db1
            W2 -= lr * dW2
            b2 -= lr * db2
    else:                                        # W1, W2: ReLU hidden layers, softmax cross-entropy
        Ws = [W for W in (W1, W2, W3) if W is not None]
        bs = [b for b in (b1, b2, b3) if b is not None]
        L = len(Ws)
        for epoch in orders:
            for idx in epoch:
                Xb, yb = X[idx], y[idx]
                n = len(idx)
                rows = np.arange(n)
                a = [Xb]
                for l in range(L - 1):
                    a.append(np.maximum(a[-1] @ Ws[l] + bs[l], 0))
                z = a[-1] @ Ws[-1] + bs[-1]
                z -= z.max(axis=1, keepdims=True)
                e = np.exp(z)
                s = e.sum(axis=1, keepdims=True)
                step_loss.append(float(np.mean(np.log(s[:, 0]) - z[rows, yb])))
                dz = e / s
                dz[rows, yb] -= 1
                dz /= n
                for l in range(L - 1, -1, -1):
                    dW, db = a[l].T @ dz, dz.sum(axis=0)
                    if l > 0:
                        dz = (dz @ Ws[l].T) * (a[l] > 0)
                    Ws[l] -= lr * dW
                    bs[l] -= lr * db
        W1, W2, W3 = (Ws + [None])[:3]
        b1, b2, b3 = (bs + [None])[:3]
    elapsed = clock(start)
    final = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    if W3 is not None:
        final.update(W3=W3, b3=b3)
    return elapsed, step_loss[-1], final


def run_torch(w, X, y, init_params):
    nn = torch.nn
    sizes = w["sizes"]
    layers = []
    for l in range(len(sizes) - 1):
        linear = nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():                       # torch stores W as (out, in): copy ours transposed
            linear.weight.copy_(torch.from_numpy(init_params[f"W{l + 1}"].T.copy()))
            linear.bias.copy_(torch.from_numpy(init_params[f"b{l + 1}"]))
        layers.append(linear)
        if l < len(sizes) - 2:
            layers.append(nn.ReLU() if w["activation"] == "relu" else nn.Sigmoid())
    net = nn.Sequential(*layers)
    if X.dtype == np.float64:
        net = net.double()
    if w["loss"] == "binary_cross_entropy":
        criterion, yt = nn.BCEWithLogitsLoss(), torch.from_numpy(y[:, None].astype(X.dtype))
    else:
        criterion, yt = nn.CrossEntropyLoss(), torch.from_numpy(y)
    Xt = torch.from_numpy(X)
    optimizer = torch.optim.SGD(net.parameters(), lr=w["lr"])
    orders = [[torch.from_numpy(idx) for idx in epoch] for epoch in batch_orders(len(X), w["batch_size"], w["epochs"])]
    full_batch = w["batch_size"] >= len(X)
    step_loss = []
    start = clock()
    for epoch in orders:
        for idx in epoch:
            Xb, yb = (Xt, yt) if full_batch else (Xt[idx], yt[idx])
            optimizer.zero_grad()
            loss = criterion(net(Xb), yb)
            loss.backward()
            optimizer.step()
            step_loss.append(loss.item())
    elapsed = clock(start)
    final = {}
    linears = [m for m in net if isinstance(m, nn.Linear)]
    for l, linear in enumerate(linears, start=1):
        final[f"W{l}"] = linear.weight.detach().numpy().T
        final[f"b{l}"] = linear.bias.detach().numpy()
    return elapsed, step_loss[-1], final


# -- measurement -------------------------------------------------------------------------
def matmul_rate(reps, n=1024):
    """This machine's float32 matrix-multiply rate in FLOP/s: n x n times n x n, the best of
    many runs (the machine's capability; other processes can only slow a run down)."""
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((n, n), dtype=DTYPE), rng.standard_normal((n, n), dtype=DTYPE)
    A @ B
    times = []
    for _ in range(max(3 * reps, 20)):
        start = time.perf_counter()
        A @ B
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / min(times)


def shaped_matmul_rate(reps, N=128, D=784, M=256):
    """The float32 rate of a W2-shaped product (N, D) @ (D, M), for context."""
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((N, D), dtype=DTYPE), rng.standard_normal((D, M), dtype=DTYPE)
    inner = 50
    times = []
    for _ in range(max(3 * reps, 20)):
        start = time.perf_counter()
        for _ in range(inner):
            A @ B
        times.append((time.perf_counter() - start) / inner)
    return 2 * N * D * M / min(times)


def products_alone(w, N, reps):
    """Seconds that the matrix products of one training run take by themselves, each timed at
    its own shape (best of several runs): the floor under any loop's time for the workload."""
    rng = np.random.default_rng(3)
    B, steps = w["batch_size"], -(-N // w["batch_size"]) * w["epochs"]
    total = 0.0
    for l, (D, M) in enumerate(zip(w["sizes"][:-1], w["sizes"][1:]), start=1):
        X, W = rng.standard_normal((B, D), dtype=DTYPE), rng.standard_normal((D, M), dtype=DTYPE)
        dout = rng.standard_normal((B, M), dtype=DTYPE)
        products = [lambda: X @ W, lambda: X.T @ dout] + ([lambda: dout @ W.T] if l > 1 else [])
        for product in products:
            product()
            times = []
            for _ in range(max(3 * reps, 20)):
                start = time.perf_counter()
                for _ in range(20):
                    product()
                times.append((time.perf_counter() - start) / 20)
            total += min(times)
    return total * steps


PRODUCTS, ELEMENTWISE = "matrix products", "elementwise layers (bias, ReLU and its derivative, db)"


def step_breakdown(w, X, y, init_params):
    """Seconds per kind of work in one epoch of the hand-written loop, each operation timed in
    place (buffers preallocated, products with ``out=``, as the fast path does). -> dict kind ->
    seconds: what any NumPy loop spends besides the products."""
    W = [init_params[f"W{l}"].copy() for l in range(1, len(w["sizes"]))]
    b = [init_params[f"b{l}"].copy() for l in range(1, len(w["sizes"]))]
    B, L, lr = w["batch_size"], len(W), X.dtype.type(w["lr"])
    z = [np.empty((B, m), X.dtype) for m in w["sizes"][1:]]
    da = [np.empty((B, m), X.dtype) for m in w["sizes"][1:-1]]
    dW, db = [np.empty_like(v) for v in W], [np.empty_like(v) for v in b]
    Xb, rows, spent = np.empty((B, X.shape[1]), X.dtype), np.arange(B), {}

    def timed(kind, operation):
        """Run ``operation()`` (all of its work inside the call, so that all of it is timed)."""
        start = time.perf_counter()
        out = operation()
        spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - start
        return out

    def loss_gradient(logits, labels):
        logits -= logits.max(axis=1, keepdims=True)
        logits -= np.log(np.exp(logits).sum(axis=1, keepdims=True))
        dz = np.exp(logits, out=logits)
        dz[rows, labels] -= 1
        dz /= B
        return dz

    def update():
        for p, g in zip(W + b, dW + db):
            g *= lr
            p -= g

    for idx in batch_orders(len(X), B, 1)[0]:
        if len(idx) != B:
            continue
        a = [timed("gathering the batch", lambda: X.take(idx, axis=0, out=Xb, mode="clip"))]
        for l in range(L):
            timed(PRODUCTS, lambda: np.matmul(a[-1], W[l], out=z[l]))
            timed(ELEMENTWISE, lambda: np.add(z[l], b[l], out=z[l]))
            if l < L - 1:
                timed(ELEMENTWISE, lambda: np.maximum(z[l], 0, out=z[l]))
            a.append(z[l])
        dz = timed("softmax cross-entropy", lambda: loss_gradient(a[-1], y[idx]))
        for l in range(L - 1, -1, -1):
            timed(PRODUCTS, lambda: np.matmul(a[l].T, dz, out=dW[l]))
            timed(ELEMENTWISE, lambda: np.add.reduce(dz, axis=0, out=db[l]))
            if l:
                d = timed(PRODUCTS, lambda: np.matmul(dz, W[l].T, out=da[l - 1]))
                timed(ELEMENTWISE, lambda: np.multiply(d, a[l] > 0, out=d))
                dz = d
        timed("the update (W -= lr dW)", update)
    return spent


def training_flops(w, N):
    """Matrix-multiply FLOPs of one training run: forward X @ W, backward X.T @ dout for
    every layer and dout @ W.T for every layer but the first (the data needs no gradient)."""
    pairs = list(zip(w["sizes"][:-1], w["sizes"][1:]))
    per_sample = sum(2 * D * M for D, M in pairs) * 3 - 2 * pairs[0][0] * pairs[0][1]
    return per_sample * N * w["epochs"]


def max_diff(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def profile_mlp_lib(w, X, y, init_params, top=14):
    profiler = cProfile.Profile()
    profiler.enable()
    run_mlp_lib(w, X, y, init_params)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    text = "\n".join([lines[start - 1]] + lines[start:])
    return re.sub(r"\S*site-packages/", "", text.replace(str(ROOT) + os.sep, ""))  # no machine paths


def environment_report():
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, "
             f"torch {torch.__version__ if torch else 'not installed'}, machine {platform.machine()}, "
             f"{os.cpu_count()} cpus, 1-min load average {os.getloadavg()[0]:.1f}"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        lines.append(f"  {var}={os.environ.get(var, '(unset)')}")
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            lines.append(f"  threadpool: {pool.get('internal_api')} {pool.get('version')} "
                         f"{pool.get('architecture', '')} threads={pool.get('num_threads')} "
                         f"({pathlib.Path(pool.get('filepath', '')).name})")
    except ImportError:
        lines.append("  threadpoolctl not installed")
    return "\n".join(lines)


def numpy_threads():
    try:
        from threadpoolctl import threadpool_info
        return max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
    except (ImportError, ValueError):
        return os.cpu_count()


def bench(args):
    threads = numpy_threads()
    if torch is not None:
        torch.set_num_threads(threads)
        print(f"threads: numpy (BLAS) {threads}, torch {torch.get_num_threads()}")
    rate = matmul_rate(args.reps)
    shaped = shaped_matmul_rate(args.reps)
    print(f"float32 matmul rate (best run so far): {rate / 1e9:.1f} GFLOP/s at 1024 x 1024 x 1024, "
          f"{shaped / 1e9:.1f} GFLOP/s at W2's (128, 784) @ (784, 256)")
    runners = {"mlp_lib": run_mlp_lib, "numpy": run_numpy}
    if torch is not None:
        runners["torch"] = run_torch
    results, misses = {}, []
    for name in args.workloads:
        w = WORKLOADS[name]
        X, y = make_data(name)
        init_params = {k: v.copy() for k, v in
                       MLP(w["sizes"], activation=w["activation"], loss=w["loss"], seed=SEED, dtype=X.dtype).params.items()}
        times = {k: [] for k in runners}
        cpu_times = {k: [] for k in runners}
        finals = {}
        for rep in range(args.reps + 1):          # rep 0 is the warm-up; loops interleave, order rotates
            order = list(runners)[rep % len(runners):] + list(runners)[:rep % len(runners)]
            for impl in order:
                elapsed, loss, params = runners[impl](w, X, y, init_params)
                if rep:
                    times[impl].append(elapsed[0])
                    cpu_times[impl].append(elapsed[1])
                finals[impl] = (loss, params)
        med = {k: statistics.median(v) for k, v in times.items()}
        cpu = {k: statistics.median(v) for k, v in cpu_times.items()}
        results[name] = med
        steps = sum(len(epoch) for epoch in batch_orders(len(X), w["batch_size"], w["epochs"]))
        print(f"\n{name}: {w['title']} ({len(X)} samples, {steps} steps, {args.reps} reps after a warm-up)")
        for impl in runners:
            print(f"  {impl:8s} median {med[impl] * 1e3:8.1f} ms = {med[impl] / steps * 1e6:6.1f} us/step"
                  f"   best {min(times[impl]) * 1e3:8.1f} ms   CPU {cpu[impl] * 1e3:8.1f} ms"
                  f"   final loss {finals[impl][0]:.4f}")
        print(f"  final weights: max |mlp_lib - numpy| = {max_diff(finals['mlp_lib'][1], finals['numpy'][1]):.1e}"
              + (f", max |mlp_lib - torch| = {max_diff(finals['mlp_lib'][1], finals['torch'][1]):.1e}"
                 if torch is not None else ""))
        overhead = med["mlp_lib"] / med["numpy"]
        ok = overhead <= MAX_OVERHEAD
        line = f"  mlp_lib / numpy  = {overhead:5.2f}  (target <= {MAX_OVERHEAD:.2f}: {'met' if ok else 'MISSED'})"
        if torch is not None:
            ratio = med["torch"] / med["mlp_lib"]
            ok_t = ratio >= MIN_TORCH_RATIO[name]
            ok = ok and ok_t
            line += (f"\n  torch / mlp_lib  = {ratio:5.2f}  (target >= {MIN_TORCH_RATIO[name]:.1f}: "
                     f"{'met' if ok_t else 'MISSED'})")
        line += (f"\n  (by CPU time: mlp_lib / numpy = {cpu['mlp_lib'] / cpu['numpy']:.2f}"
                 + (f", torch / mlp_lib = {cpu['torch'] / cpu['mlp_lib']:.2f}" if torch is not None else "") + ")")
        print(line)
        if name == "W2":
            rate = max(rate, matmul_rate(args.reps))   # measured again: a busy moment only lowers it
            flops = training_flops(w, len(X))
            print(f"  matrix-multiply work: {flops / 1e9:.1f} GFLOP; 1024^3 rate (best of both measurements) "
                  f"{rate / 1e9:.1f} GFLOP/s; achieved:")
            for impl in runners:
                achieved, best = flops / med[impl], flops / min(times[impl])
                print(f"  {impl:8s} median {achieved / 1e9:6.1f} GFLOP/s = {achieved / rate:4.0%}   "
                      f"best run {best / 1e9:6.1f} GFLOP/s = {best / rate:4.0%}"
                      + (f"   (target >= {MIN_MATMUL_FRACTION:.0%}: "
                         f"{'met' if achieved / rate >= MIN_MATMUL_FRACTION else 'MISSED'})"
                         if impl == "mlp_lib" else ""))
            alone = products_alone(w, len(X), args.reps)
            print(f"  the products alone, each timed at its own shape: {alone * 1e3:.1f} ms = "
                  f"{flops / alone / 1e9:.1f} GFLOP/s = {flops / alone / rate:.0%} of the 1024^3 rate "
                  f"(the ceiling for any loop); mlp_lib reaches {alone / med['mlp_lib']:.0%} of it")
            ok = ok and flops / med["mlp_lib"] / rate >= MIN_MATMUL_FRACTION
            runs = [step_breakdown(w, X, y, init_params) for _ in range(max(3, args.reps))]
            spent = {kind: min(run[kind] for run in runs) for kind in runs[0]}    # a busy moment only adds time
            total = sum(spent.values())
            print("  one epoch of a hand-written loop with preallocated buffers, by kind of work (each kind's best run):")
            for kind, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
                print(f"    {seconds * 1e3:6.1f} ms  {seconds / total:4.0%}  {kind}")
            others = total - spent[PRODUCTS]
            print(f"  with the products at the rate they reach alone and the rest as measured, a loop reaches at most "
                  f"{flops / (alone + others * w['epochs']) / rate:.0%} of the 1024^3 rate")
        if not ok:
            misses.append(name)
        if args.profile or not ok:
            print(f"  cProfile of mlp_lib.train on {name} (top entries by own time):")
            print("    " + profile_mlp_lib(w, X, y, init_params).replace("\n", "\n    "))
    return results, misses


# -- the whole course -----------------------------------------------------------------------
COURSE_TARGET_S = 60     # every notebook of notebooks/ and solutions/, each in a fresh kernel
def time_course(timeout=600):
    """Execute every notebook of notebooks/ and solutions/ in a fresh kernel, on copies."""
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    executor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(executor)
    total, count = 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for folder in ("notebooks", "solutions"):
            source = ROOT / folder
            if not source.is_dir():
                continue
            copy = pathlib.Path(tmp) / folder            # the folder's other files come along
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            for path in sorted(copy.glob("*.ipynb")):
                start = time.perf_counter()
                try:
                    executor.execute(path, timeout)
                    status = ""
                except Exception as exc:  # a broken notebook is reported, the timing goes on
                    status = f"  FAILED: {type(exc).__name__}"
                elapsed = time.perf_counter() - start
                total += elapsed
                count += 1
                print(f"  {elapsed:6.1f} s  {folder}/{path.name}{status}")
    print(f"  {total:6.1f} s  the whole course ({count} notebooks; target <= {COURSE_TARGET_S} s)")
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per loop (median reported)")
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=list(WORKLOADS),
                        help="which workloads to run (none: only --course)")
    parser.add_argument("--profile", action="store_true", help="show cProfile's top entries for every workload")
    parser.add_argument("--course", action="store_true", help="also time executing every notebook")
    parser.add_argument("--threads", type=int, help="limit NumPy's BLAS (threadpoolctl) and torch to this many "
                        "threads (default: as NumPy starts)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    args = parser.parse_args(argv)
    global torch
    if args.no_torch:
        torch = None
    print(f"mlp_lib {getattr(mlp_lib, '__version__', '')} training benchmark")
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    print(environment_report())
    results, misses = bench(args) if args.workloads else ({}, [])
    if args.course:
        print("\nexecuting the course (fresh kernel per notebook, copies in a temporary folder):")
        if time_course() > COURSE_TARGET_S:
            misses.append("course")
    print("\ntargets missed: " + (", ".join(misses) if misses else "none"))


if __name__ == "__main__":
    sys.exit(main())
