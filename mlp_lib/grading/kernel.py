"""A fresh Jupyter kernel in its own working directory, running one code cell at a time
with a time limit, and telling apart a cell that ran, raised, hung or killed its kernel.

Built on nbclient; the learner's code runs only in the kernel's process, inside the sandbox
(``sandbox.py``) unless the teacher turned it off. The grader keeps no printed output of the
cells (it trusts only the arrays the functions return), only the error a cell raised.
"""
import asyncio
import functools
import glob
import logging
import os
import shutil
import subprocess
import sys
import tempfile

import nbformat
from jupyter_core.utils import ensure_async, ensure_event_loop, run_sync
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from ..checks.status import Status

PROBE_TIMEOUT = 10
MAX_ERROR_CHARS = 2000   # of a cell's error message kept by the grader
# what a grading kernel inherits from the grader's environment (BLAS settings keep results right)
KEPT_ENVIRONMENT = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# an interrupted cell leaves nbclient's output task pending: asyncio would log it at exit
logging.getLogger("asyncio").setLevel(logging.CRITICAL)


class _Client(NotebookClient):
    """An nbclient that keeps error outputs only: a cell printing without end costs no memory."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] != "error":
            return None
        return super().output(outs, msg, display_id, cell_index)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel of the grader's own Python, started inside ``sandbox`` with ZMQ ``ipc`` sockets
    in the kernel's ``io`` folder (it has no network); interrupted by a message, since a
    signal would reach bubblewrap instead of the kernel."""

    def __init__(self, sandbox, workdir, uid, env, **kwargs):
        io = os.path.join(workdir, "io")
        super().__init__(transport="ipc", ip=os.path.join(io, "kernel"),
                         connection_file=os.path.join(workdir, "run", "kernel.json"), **kwargs)
        self._prefix = sandbox.command(workdir, uid, env)

    def format_kernel_cmd(self, extra_arguments=None):
        return self._prefix + [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                               *(extra_arguments or [])]

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)   # readable by the kernel's own user, in a folder only it sees

    async def _async_pre_start_kernel(self, **kwargs):
        result = await super()._async_pre_start_kernel(**kwargs)
        self.kernel_spec.interrupt_mode = "message"
        return result


@functools.lru_cache(maxsize=None)
def _font_cache():
    """matplotlib's font list of the grader's own installation (built once if missing), so that a
    kernel's first plot does not spend seconds rebuilding it in a fresh home. -> path or None."""
    try:
        import matplotlib
        import matplotlib.font_manager  # noqa: F401  (builds and saves the list when missing)
    except ImportError:
        return None
    found = sorted(glob.glob(os.path.join(matplotlib.get_cachedir(), "fontlist-v*.json")))
    return found[-1] if found else None


def seed_home(home, uid=None):
    """Put matplotlib's font list into a kernel's fresh home (owned by the kernel's user)."""
    source = _font_cache()
    if source is None:
        return
    folder = os.path.join(home, ".matplotlib")
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, os.path.basename(source))
    shutil.copyfile(source, target)
    if uid is not None and os.geteuid() == 0:
        for path in (folder, target):
            os.chown(path, uid, uid)


def kernel_environment(home):
    """The whole environment of a sandboxed kernel: nothing of the teacher's but locale and BLAS."""
    env = {key: os.environ[key] for key in KEPT_ENVIRONMENT if key in os.environ}
    env.update({"HOME": home, "USER": "learner", "LOGNAME": "learner", "PATH": f"{os.path.dirname(sys.executable)}"
                ":/usr/local/bin:/usr/bin:/bin", "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp", "MPLCONFIGDIR": os.path.join(home, ".matplotlib"), "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1"})
    env.setdefault("LANG", "C.UTF-8")
    return env


# A Unix socket's path holds at most 107 bytes, and the kernel's sockets lie about 40 characters
# below a grading folder (mlp-grade-*/kernel/io/kernel-N): a temporary folder given by a longer
# path (a deep TMPDIR) is replaced by /tmp for the grader's folders.
MAX_TEMP_BASE_CHARS = 50


def temporary_folder(prefix):
    """A new private folder for grading (``tempfile.mkdtemp``), at a path short enough for the
    kernel's ``ipc`` sockets below it. -> its path."""
    base = tempfile.gettempdir()
    return tempfile.mkdtemp(prefix=prefix, dir=base if len(base) <= MAX_TEMP_BASE_CHARS else "/tmp")


class KernelSession:
    """One kernel at a time in ``workdir``; ``restart()`` replaces a dead or stuck one.

    sandbox: a ``sandbox.Sandbox`` (the kernel runs inside it, in ``workdir/home``) or None
    (a plain kernel in ``workdir``, for a learner checking their own notebook).
    """

    def __init__(self, workdir, kernel_name="python3", startup_timeout=60, sandbox=None):
        self.workdir = str(workdir)
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.sandbox = sandbox
        self.client = None
        self.home = self.workdir
        if sandbox is not None:
            self.home, self.run_dir, self.io_dir, self.uid = sandbox.prepare(self.workdir)
            seed_home(self.home, self.uid)

    def start(self):
        self.nb = nbformat.v4.new_notebook()
        self.client = _Client(self.nb, kernel_name=self.kernel_name, allow_errors=True,
                              interrupt_on_timeout=False, shutdown_kernel="immediate",
                              startup_timeout=self.startup_timeout, record_timing=False,
                              resources={"metadata": {"path": self.home}},
                              extra_arguments=["--IPKernelApp.log_level=ERROR"])
        self.client.log.setLevel(logging.CRITICAL)   # timeouts and dead kernels are reported by the grader
        self.client.on_cell_executed = self._record_reply
        if self.sandbox is not None:
            env = kernel_environment(self.home)
            self.client.km = SandboxedKernelManager(self.sandbox, self.workdir, self.uid, env,
                                                    kernel_name=self.kernel_name)
        else:
            self.client.km = self.client.create_kernel_manager()
            env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION",)}
            env["MPLBACKEND"] = "Agg"   # figures are not graded: draw none
        # the kernel's own stdout and stderr go nowhere: nothing it prints reaches the grader
        self.client.start_new_kernel(cwd=self.home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client.start_new_kernel_client()

    def _record_reply(self, cell, cell_index, execute_reply):
        self._reply = execute_reply

    def run(self, source, timeout):
        """Run one cell. -> {"status": Status.OK | ERROR | TIMEOUT | CRASHED (the kernel died), "error": text}."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        self.client.timeout = int(max(1, round(timeout)))
        self._reply = None
        try:
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
        except DeadKernelError:
            return {"status": Status.CRASHED, "error": "the kernel died"}
        except CellTimeoutError:
            _cancel_stale_tasks()
            if not self._recover():
                return {"status": Status.TIMEOUT, "error": f"still running after {timeout:.0f} s", "restarted": True}
            return {"status": Status.TIMEOUT, "error": f"still running after {timeout:.0f} s"}
        finally:
            cell.outputs = []
        content = (self._reply or {}).get("content", {})
        if content.get("status") == "error":
            ename = str(content.get("ename", "Error"))[:100]
            evalue = str(content.get("evalue", ""))[:MAX_ERROR_CHARS].strip()
            first = evalue.splitlines()[0] if evalue else ""
            if ename == "SystemExit":
                first = f"sys.exit({first}) was called"
            if ename == "StdinNotImplementedError":
                return {"status": Status.ERROR, "error": "it waits for keyboard input (input() cannot be answered "
                                                    "while grading)"}
            return {"status": Status.ERROR, "error": f"{ename}: {first}".rstrip(": ")}
        return {"status": Status.OK}

    async def _interrupt(self):
        await ensure_async(self.client.km.interrupt_kernel())

    def _recover(self):
        """After a timeout: interrupt; if the kernel still does not answer, start a new one.
        -> True when the same kernel (and its definitions) survived."""
        try:
            run_sync(self._interrupt)()
            cell = nbformat.v4.new_code_cell("pass")
            self.nb.cells.append(cell)
            self.client.timeout = PROBE_TIMEOUT
            self.client.execute_cell(cell, len(self.nb.cells) - 1)
            return True
        except (CellTimeoutError, DeadKernelError, RuntimeError):
            self.restart()
            return False

    def restart(self):
        self.close()
        self.start()

    def close(self):
        if self.client is not None and self.client.km is not None:
            try:
                self.client._cleanup_kernel()
            except Exception:  # a kernel that is already gone needs no more cleaning
                pass
        self.client = None


def _cancel_stale_tasks():
    """nbclient leaves the timed-out cell's output reader running; it would swallow the next
    cells' messages (each would then wait for nbclient's iopub timeout). Cancel it."""
    loop = ensure_event_loop()
    stale = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in stale:
        task.cancel()
    if stale:
        loop.run_until_complete(asyncio.gather(*stale, return_exceptions=True))
