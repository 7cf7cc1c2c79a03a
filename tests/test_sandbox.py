"""The grading kernel's sandbox, probed from inside: one kernel, set up as the grader sets it up
for an exercise set, runs code that fails (raises) whenever the sandbox lets something through.
Each probe is one way a hostile learner would try to escape, read or sabotage."""
import gzip
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from mlp_lib.checks import get_exercise_set
from mlp_lib.grading import sanitize
from mlp_lib.grading.kernel import KernelSession
from mlp_lib.grading.sandbox import UID_RANGE, Limits, Sandbox, allowed_site_entries

from sandbox_support import SANDBOX, needs_sandbox

ROOT = pathlib.Path(__file__).resolve().parent.parent
SECRET = "teacher-secret-7f3a9c"            # in the grader's environment; must not reach the kernel
SOLUTION_LINE = "dX = dout @ W.T"           # a line of the course's solutions (solutions/03)

pytestmark = needs_sandbox


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A sandboxed kernel for set 08 (the capstone: solutions, digits data and loader withheld)
    with small limits, started with a secret in the grader's environment."""
    stage = tmp_path_factory.mktemp("stage")
    package = stage / "package"
    sanitize.build(get_exercise_set("08_capstone_digits"), package)
    limits = Limits(memory_mb=2048, processes=48, file_size_mb=8, cpu_seconds=600, tmp_mb=8)
    os.environ["MLP_COURSE_TEST_SECRET"] = SECRET
    try:
        session = KernelSession(stage / "kernel", sandbox=Sandbox(limits).with_package(package))
        session.start()
    finally:
        del os.environ["MLP_COURSE_TEST_SECRET"]
    (stage / "outside.txt").write_text("the grader's own file")
    yield session, stage, limits
    session.close()


def run_ok(kernel, code, timeout=60):
    session, _, _ = kernel
    outcome = session.run(code, timeout)
    assert outcome["status"] == "ok", outcome


def test_the_solution_source_is_nowhere_in_the_kernels_file_system(kernel):
    run_ok(kernel, f"""
import os
hits = []
for top in ('/usr/local', '/tmp', '/home', '/root', '/opt', '/srv', '/mnt', '/var', os.path.expanduser('~'),
            '/', {str(pathlib.Path(sys.prefix))!r}):
    for folder, dirs, files in os.walk(top):
        if folder.startswith(('/proc', '/sys', '/dev', '/usr/share', '/usr/lib/x86_64-linux-gnu')):
            dirs[:] = []
            continue
        for name in files:
            if name.endswith(('.py', '.ipynb', '.md', '.txt', '.json')):
                try:
                    text = open(os.path.join(folder, name), errors='ignore').read()
                except OSError:
                    continue
                if {SOLUTION_LINE!r} in text or 'BEGIN SOLUTION' in text:
                    hits.append(os.path.join(folder, name))
assert not hits, hits
""", timeout=300)


def test_withheld_functions_raise_and_their_source_is_gone(kernel):
    run_ok(kernel, """
import inspect, mlp_lib, mlp_lib.layers as L, mlp_lib.activations as A
for f in (L.affine_forward, L.affine_backward, A.relu, A.relu_prime, mlp_lib.load_digits, mlp_lib.confusion_matrix):
    src = inspect.getsource(f)
    assert 'NotAvailableWhileGrading' in src and '@' not in src.split(':', 1)[1], src
    try:
        f(*([None] * f.__code__.co_argcount))
    except Exception as exc:
        assert type(exc).__name__ == 'NotAvailableWhileGrading', exc
    else:
        raise AssertionError(f'{f.__name__} ran')
try:
    mlp_lib.MLP([64, 32, 10]).loss(__import__('numpy').zeros((2, 64)), __import__('numpy').zeros(2, int))
except Exception as exc:
    assert type(exc).__name__ == 'NotAvailableWhileGrading', exc
else:
    raise AssertionError('the package MLP fell back on its own layers')
""")


def test_the_fused_fast_path_is_gone_so_training_goes_through_the_withheld_functions(kernel):
    run_ok(kernel, """
import inspect, numpy as np, mlp_lib, mlp_lib.fastpath as F
assert F.fast_steps(None, None, {}, None, None, 1, False) is None
assert 'matmul' not in inspect.getsource(F)
for name in ('FastSteps', '_sigmoid', '_activate', '_times_derivative'):
    try:
        getattr(F, name)
    except Exception as exc:
        assert type(exc).__name__ == 'NotAvailableWhileGrading', exc
    else:
        raise AssertionError(f'the fast path kept {name}')
model = mlp_lib.MLP([64, 8, 10], seed=0)
try:
    mlp_lib.train(model, np.zeros((4, 64)), np.arange(4), epochs=1)
except Exception as exc:
    assert type(exc).__name__ == 'NotAvailableWhileGrading', exc
else:
    raise AssertionError('train computed the withheld layers on a path of its own')
""")


def test_the_checks_are_stubs_without_reference_or_inputs(kernel):
    run_ok(kernel, """
import mlp_lib.checks.lesson08 as checks, inspect
assert checks.check_digits_pipeline(print) is None
src = inspect.getsource(checks)
assert 'reference' not in src and 'make_cases' not in src and 'load_digits' not in src
try:
    checks.development_data()
except Exception as exc:
    assert type(exc).__name__ == 'NotAvailableWhileGrading'
else:
    raise AssertionError('development data reached the kernel')
for name in ('base', 'runner', 'lesson03'):
    try:
        __import__('mlp_lib.checks.' + name)
    except ImportError:
        pass
    else:
        assert name == 'lesson03', name     # stubs only: the real runner and base are absent
import mlp_lib.checks.lesson03 as l3
assert not hasattr(l3, 'AFFINE_BACKWARD') or callable(l3.AFFINE_BACKWARD)
""")


def test_the_withheld_digits_data_is_nowhere_in_the_kernels_file_system(kernel):
    """The capstone withholds load_digits: its data file (by name or by content) is gone from
    the kernel's copy of the package and from everywhere else, while the other data sets stay."""
    first_row = gzip.decompress((ROOT / "mlp_lib" / "datasets" / "digits.csv.gz").read_bytes()).split(b"\n")[0]
    run_ok(kernel, f"""
import gzip, os, mlp_lib
assert sorted(os.listdir(os.path.join(os.path.dirname(mlp_lib.__file__), 'datasets'))) == \\
    ['README.md', 'breast_cancer.csv.gz', 'diabetes_data_raw.csv.gz', 'diabetes_target.csv.gz', 'tumours.zip']
hits = []
for folder, dirs, files in os.walk('/'):
    if folder.startswith(('/proc', '/sys', '/dev')):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(folder, name)
        if name.startswith('digits') and '.csv' in name:
            hits.append(path)
        elif name.endswith(('.csv', '.gz', '.txt')) and os.path.isfile(path):
            try:
                with (gzip.open if name.endswith('.gz') else open)(path, 'rb') as f:
                    head = f.read(4096)
            except (OSError, EOFError):
                continue
            if {first_row!r} in head:
                hits.append(path)
assert not hits, hits
""", timeout=300)


@pytest.mark.parametrize("module", ["torch", "sklearn", "scipy", "jax", "tensorflow", "pandas", "mlp_lib.grading",
                                    "nbclient", "jupyterlab"])
def test_packages_off_the_allow_list_are_not_importable(kernel, module):
    run_ok(kernel, f"""
import importlib, sys
try:
    importlib.import_module({module!r})
except ImportError:
    pass
else:
    raise AssertionError({module!r} + ' imported from ' + str(getattr(sys.modules[{module!r}], '__file__', '?')))
""")


def test_no_other_python_gets_the_hidden_packages(kernel):
    run_ok(kernel, """
import glob, subprocess, sys
pythons = [sys.executable] + sorted(set(glob.glob('/usr/bin/python3*')) - {'/usr/bin/python3-config'})
for python in pythons:
    if python.endswith('-config'):
        continue
    for module in ('torch', 'sklearn', 'scipy'):
        r = subprocess.run([python, '-c', f'import {module}'], capture_output=True)
        assert r.returncode != 0, (python, module)
""")


def test_no_network(kernel):
    run_ok(kernel, """
import socket
for address in [('1.1.1.1', 53), ('127.0.0.1', 22), ('8.8.8.8', 443)]:
    try:
        socket.create_connection(address, timeout=1).close()
    except OSError:
        pass
    else:
        raise AssertionError(address)
import os
assert sorted(os.listdir('/sys/class/net')) in ([], ['lo']) if os.path.exists('/sys/class/net') else True
""")


def test_the_grader_cannot_be_seen_or_signalled(kernel):
    run_ok(kernel, f"""
import os, signal
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
assert len(pids) <= 3, pids                   # the sandbox's init, the kernel and its own threads' leader
for target in (os.getppid(), 1):
    try:
        os.kill(target, 0)
    except (PermissionError, ProcessLookupError):
        continue
    raise AssertionError(f'process {{target}} can be signalled')
texts = []
for pid in pids:
    for what in ('environ', 'cmdline'):
        try:
            texts.append(open(f'/proc/{{pid}}/{{what}}', 'rb').read().decode(errors='ignore'))
        except OSError:
            pass
assert not any({SECRET!r} in t for t in texts)
assert {SECRET!r} not in str(os.environ)
""")


def test_it_runs_as_an_unprivileged_user_without_capabilities(kernel):
    if os.geteuid() != 0:
        pytest.skip("the grader is not root: the kernel keeps the teacher's user id inside its namespaces")
    run_ok(kernel, f"""
import os
assert {UID_RANGE[0]} <= os.getuid() < {UID_RANGE[1]} and os.getgid() == os.getuid(), os.getuid()
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
for key in ('CapPrm', 'CapEff', 'CapInh', 'CapBnd', 'CapAmb'):
    assert int(status[key], 16) == 0, (key, status[key])
assert int(status['NoNewPrivs']) == 1
""")


def test_nothing_outside_its_folder_is_writable_or_visible(kernel):
    session, stage, _ = kernel
    run_ok(kernel, f"""
import os
for path in ('/usr/evil', '/etc/evil', {str(stage / 'evil')!r}, {str(ROOT / 'evil')!r}, '/evil',
             {os.path.join(session.run_dir, 'evil')!r}):
    try:
        open(path, 'w').write('x')
    except OSError:
        continue
    raise AssertionError(path)
assert not os.path.exists({str(stage / 'outside.txt')!r})
assert not os.path.exists({str(ROOT)!r} + '/solutions')
open('mine.txt', 'w').write('my own folder is writable')
open('/tmp/scratch.txt', 'w').write('so is a private /tmp')
""")
    assert not (stage / "evil").exists() and not (ROOT / "evil").exists()
    assert (pathlib.Path(session.home) / "mine.txt").exists()


def test_resource_limits_hold(kernel):
    _, _, limits = kernel
    run_ok(kernel, f"""
import os, resource, numpy as np
assert resource.getrlimit(resource.RLIMIT_AS)[0] == {limits.memory_mb * 2**20}
assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] == {limits.file_size_mb * 2**20}
assert resource.getrlimit(resource.RLIMIT_CPU)[0] == {limits.cpu_seconds}
assert resource.getrlimit(resource.RLIMIT_NPROC)[0] == {limits.processes}
try:
    np.ones(4 * 2**30 // 8)                            # 4 GiB: over the address-space limit
except MemoryError:
    pass
else:
    raise AssertionError('4 GiB allocated')
try:
    with open('big.bin', 'wb') as f:
        f.write(b'0' * ({limits.file_size_mb} + 1) * 2**20)
except OSError as exc:
    assert exc.errno == 27, exc                        # EFBIG: the file-size limit
else:
    raise AssertionError('file over the limit written')
try:
    with open('/tmp/fill.bin', 'wb') as f:
        for _ in range({limits.tmp_mb} + 2):
            f.write(b'0' * 2**20)
except OSError as exc:
    assert exc.errno in (27, 28), exc                  # the private /tmp is full (or the file limit)
os.remove('/tmp/fill.bin')
children = []
try:
    for _ in range(200):                               # a fork bomb, stopped by the process limit
        pid = os.fork()
        if pid == 0:
            import time
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except BlockingIOError:
    pass
assert len(children) < {limits.processes}, len(children)
for pid in children:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
""", timeout=120)


def test_a_python_environment_under_tmp_is_not_hidden_by_the_private_tmp(tmp_path, monkeypatch):
    """The kernel's own /tmp is mounted first, so an environment that lives under /tmp (a CI's or
    a throwaway venv's, as tools/check_lower_bounds.py makes) is still bound into the sandbox."""
    import venv
    env = pathlib.Path("/tmp") / f"mlp-course-venv-{os.getpid()}"
    assert not env.exists()
    try:
        venv.create(env, symlinks=True)
        monkeypatch.setattr(sys, "prefix", str(env))
        home, _, _, uid = SANDBOX.prepare(str(tmp_path))
        command = SANDBOX.command(str(tmp_path), uid, {"PATH": "/usr/bin:/bin", "HOME": home})
        done = subprocess.run(command + [str(env / "bin" / "python"), "-c", "import sys; print(sys.prefix)"],
                              capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(env, ignore_errors=True)
    assert (done.returncode, done.stdout.strip()) == (0, str(env)), done.stderr


def test_a_detached_process_dies_with_the_kernel(tmp_path):
    """A daemon started by learner code (double fork, new session) ends when its kernel ends."""
    stage = tmp_path
    package = stage / "package"
    sanitize.build(get_exercise_set("03_backpropagation"), package)
    session = KernelSession(stage / "kernel", sandbox=SANDBOX.with_package(package))
    session.start()
    marker = "mlp-course-daemon-marker"
    outcome = session.run(f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp('sleep', ['sleep', '300', {marker!r}][:2])
    os._exit(0)
time.sleep(0.5)
""", 30)
    assert outcome["status"] == "ok", outcome
    assert _processes_with("sleep 300"), "the daemon did not start"
    session.close()
    assert not _processes_with("sleep 300"), "the daemon outlived its kernel"


def _processes_with(text):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(pid)
    return found


def test_the_allow_list_follows_the_installed_requirements():
    entries = allowed_site_entries()
    assert {"numpy", "matplotlib", "ipykernel", "IPython", "zmq"} <= entries
    assert not {"torch", "sklearn", "scipy", "mlp_lib", "nbclient", "__pycache__"} & entries


def test_a_missing_bubblewrap_stops_grading_with_how_to_get_it(tmp_path, monkeypatch):
    """Without bwrap on PATH the grader refuses others' notebooks and says how to get a sandbox."""
    (tmp_path / "alice.ipynb").write_text("{}")
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    r = subprocess.run([sys.executable, "-m", "mlp_lib.grading", str(tmp_path), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2
    assert "bubblewrap" in r.stderr and "apt-get install bubblewrap" in r.stderr and "--no-sandbox" in r.stderr
    assert not (tmp_path / "out" / "gradebook.csv").exists()
