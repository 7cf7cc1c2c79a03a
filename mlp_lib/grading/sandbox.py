"""The sandbox every grading kernel runs in, made with bubblewrap (``bwrap``) on Linux.

A submission's kernel sees a file system built for it alone:

- the system (``/usr``) and the Python installation, read-only, with a ``site-packages`` that
  holds only the packages on the allow-list (NumPy, matplotlib, ipywidgets, Pillow, the kernel
  and what they need) and the course package without the solutions of the set being graded
  (``sanitize.py``); PyTorch, scikit-learn, SciPy and anything else are not there;
- its private folder (``home``: a copy of its notebook; ``io``: the kernel's sockets and the
  answers it writes), and the grader's read-only folder ``run`` (the connection file, the
  inputs of each call); a private ``/tmp`` of limited size that vanishes with the kernel;
- no network (its own network namespace: the grader talks to it through ZMQ ``ipc`` sockets in
  ``io``), its own process namespace (it cannot see or signal the grader or other kernels, and
  every process it starts dies with it), a new session (no terminal injection).

As root, the kernel runs under a fresh unprivileged user id (``setpriv``), so the per-user
process limit counts its processes alone; every kernel also gets resource limits
(``prlimit``): address space, processes, file size and CPU time (``Limits``).

Where bubblewrap is missing or cannot make namespaces, ``check_available`` raises
``SandboxUnavailable`` with what to do; grading other people's notebooks then needs an explicit
``--no-sandbox``, which the gradebook records.
"""
import copy
import functools
import glob
import importlib.metadata
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

from packaging.requirements import Requirement

# What a grading kernel may import, with everything these distributions need.
ALLOWED_DISTRIBUTIONS = ("ipykernel", "numpy", "matplotlib", "ipywidgets", "pillow")
# Read-only system files a Python kernel needs (dynamic linker cache, time zone, user names).
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd", "/etc/group",
             "/etc/nsswitch.conf")
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Other Python installations' packages under /usr, hidden (a subprocess could import them).
SYSTEM_PACKAGES = ("/usr/lib/python3*/dist-packages", "/usr/lib/python3*/site-packages",
                   "/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages")
UID_RANGE = (200_000, 1_200_000)   # unprivileged user ids for kernels started as root

INSTALL_HELP = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap; Arch: sudo pacman -S bubblewrap), or run the grader in a Linux container, e.g. "
    "docker run --rm -it --privileged -v \"$PWD\":/course -w /course python:3.11 bash -c "
    "\"apt-get update && apt-get install -y bubblewrap && ./course grade submissions/\". "
    "To grade without a sandbox anyway (only notebooks you trust), pass --no-sandbox")


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine; the message says how to get one."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading kernel (a teacher changes them on the command line).

    memory_mb: address space of each process; processes: processes and threads together;
    file_size_mb: the largest file it may write; cpu_seconds: CPU time of each process;
    tmp_mb: size of its private /tmp (counted in memory).
    """
    memory_mb: int = 4096
    processes: int = 64
    file_size_mb: int = 256
    cpu_seconds: int = 1800
    tmp_mb: int = 256

    def __post_init__(self):
        for name in ("memory_mb", "processes", "file_size_mb", "cpu_seconds", "tmp_mb"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"the sandbox limit {name} must be a positive integer, got {value!r}")


@functools.lru_cache(maxsize=None)
def check_available():
    """-> the path of bwrap once a trial sandbox ran; raises SandboxUnavailable otherwise."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the grader's sandbox needs Linux (bubblewrap); this is {sys.platform}: "
                                 f"{INSTALL_HELP}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed: {INSTALL_HELP}")
    for tool in ("prlimit",) + (("setpriv",) if os.geteuid() == 0 else ()):
        if shutil.which(tool) is None:
            raise SandboxUnavailable(f"the sandbox needs {tool} (util-linux), which is missing: install "
                                     f"util-linux, or {INSTALL_HELP}")
    trial = [bwrap, *_namespace_args(), "--ro-bind", "/", "/", "--", "true"]
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap could not start ({exc}): {INSTALL_HELP}") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SandboxUnavailable(f"bubblewrap cannot make a sandbox here ({why}); user namespaces may be "
                                 f"disabled (sysctl kernel.unprivileged_userns_clone=1), or {INSTALL_HELP}")
    return bwrap


def _namespace_args():
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")   # unprivileged: the namespaces come from a user namespace
    return args


@functools.lru_cache(maxsize=None)
def allowed_site_entries():
    """The names in site-packages (folders, modules, extension files, .dist-info) of the allowed
    distributions and of everything they require, for the running interpreter."""
    entries, seen, todo = set(), set(), list(ALLOWED_DISTRIBUTIONS)
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in dist.files or ():
            parts = pathlib.PurePosixPath(str(file)).parts
            if parts and parts[0] not in ("..", "/") and not parts[0].endswith(".pth"):
                entries.add(parts[0])
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    entries.discard("mlp_lib")
    entries.discard("__pycache__")
    return frozenset(entries)


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _site_dirs():
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


class Sandbox:
    """Builds the bubblewrap command of one kernel.

    limits: ``Limits``; package_dir: the folder holding the sanitized ``mlp_lib`` of the set.
    """

    def __init__(self, limits=None, package_dir=None):
        self.bwrap = check_available()
        self.limits = limits or Limits()
        self.package_dir = None if package_dir is None else str(package_dir)
        self.as_root = os.geteuid() == 0

    def with_package(self, package_dir):
        """The same sandbox, with the sanitized course package found in ``package_dir``."""
        other = copy.copy(self)
        other.package_dir = str(package_dir)
        return other

    def prepare(self, workdir):
        """Make the folders of one kernel under ``workdir``: home and io (the kernel's own,
        writable), run (the grader's, read-only inside). -> (home, run, io, uid)."""
        uid = secrets.randbelow(UID_RANGE[1] - UID_RANGE[0]) + UID_RANGE[0] if self.as_root else os.getuid()
        folders = [os.path.join(workdir, name) for name in ("home", "run", "io")]
        for folder in folders:
            os.makedirs(folder, exist_ok=True)
            os.chmod(folder, 0o755)
        if self.as_root:
            for folder in (folders[0], folders[2]):
                os.chown(folder, uid, uid)
        os.chmod(workdir, 0o755)
        return (*folders, uid)

    def command(self, workdir, uid, env):
        """The argument list that runs a command in the sandbox of ``workdir``; append the
        kernel's own command to it. env: the kernel's whole environment."""
        home, run, io = (os.path.join(workdir, name) for name in ("home", "run", "io"))
        args = [self.bwrap, *_namespace_args(), "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        args += ["--ro-bind", "/usr", "/usr"]
        for path in SYSTEM_DIRS:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        for path in ETC_FILES:
            args += ["--ro-bind-try", path, path]
        # the private /tmp first: a Python environment or a package folder under /tmp is bound onto it
        args += ["--dev", "/dev", "--proc", "/proc",
                 "--perms", "1777", "--size", str(self.limits.tmp_mb * 2**20), "--tmpfs", "/tmp"]
        made = {"/", "/usr", "/tmp", "/dev", "/proc", *SYSTEM_DIRS}
        for prefix in sorted({sys.base_prefix, sys.prefix}):
            args += _parents(prefix, made) + ["--ro-bind", prefix, prefix]
        base_site = os.path.join(sys.base_prefix, "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}",
                                 "site-packages")
        site_dirs = _site_dirs()
        hidden = {base_site} | {p for pattern in SYSTEM_PACKAGES for p in glob.glob(pattern)}
        for path in sorted(hidden - set(site_dirs)):
            if os.path.isdir(path):
                args += ["--tmpfs", path]
        allowed = allowed_site_entries()
        for site in site_dirs:
            args += ["--perms", "0755", "--tmpfs", site]
            for entry in sorted(os.listdir(site)):
                if entry in allowed:
                    path = os.path.join(site, entry)
                    args += ["--ro-bind", path, path]
        if self.package_dir is not None:
            args += ["--ro-bind", os.path.join(self.package_dir, "mlp_lib"), os.path.join(site_dirs[0], "mlp_lib")]
        args += _parents(workdir, made) + ["--perms", "0755", "--dir", workdir,
                                           "--bind", home, home, "--bind", io, io, "--ro-bind", run, run,
                                           "--chdir", home]
        limits = self.limits
        inner = []
        if self.as_root:
            args += ["--cap-add", "CAP_SETUID,CAP_SETGID,CAP_SETPCAP"]
            inner = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                     "--inh-caps=-all", "--bounding-set=-all", "--"]
        processes = limits.processes if self.as_root else limits.processes + _processes_of(os.getuid())
        inner += ["prlimit", f"--as={limits.memory_mb * 2**20}", f"--nproc={processes}",
                  f"--fsize={limits.file_size_mb * 2**20}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]
        return args + ["--"] + inner


def _parents(path, made):
    """bwrap arguments making the missing parent folders of ``path`` (mode 0755: bwrap's own
    default, 0700, would hide what is bound below them from an unprivileged kernel)."""
    args = []
    parents = list(pathlib.PurePosixPath(path).parents)[::-1][1:]
    for parent in map(str, parents):
        if parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


def _processes_of(uid):
    """How many processes and threads the user ``uid`` runs now (for a per-user limit)."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
        except (OSError, KeyError, ValueError):
            continue
    return count
