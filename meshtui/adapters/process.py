"""The one place meshtui starts external programs (kind, minikube, istioctl, kubectl, helm).

Always an argv list, never a shell; always a timeout; each child runs in its own
process group so a cancel or timeout kills the whole tree (kind and minikube spawn
helpers). `stream` hands every output line to a callback as it arrives, which is
how the Setup panel and `meshtui up` show live progress.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from meshtui.domain.errors import MeshtuiError


@dataclass(frozen=True)
class ProcessResult:
    """What a finished program left behind."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class ProcessTimeout(MeshtuiError):
    """The program ran longer than its timeout and was killed."""


class ProcessCancelled(MeshtuiError):
    """The program was stopped because the user cancelled."""


def which(name: str, extra_dirs: Sequence[str] = ()) -> str | None:
    """Full path of an executable on PATH (or in `extra_dirs`, searched first)."""
    for directory in extra_dirs:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


def _kill_group(proc: subprocess.Popen) -> None:
    """Terminate the child's process group, escalating to SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(timeout=3)


def _spawn(argv: Sequence[str], env: Mapping[str, str] | None, cwd: str | None,
           stdin: bytes | None) -> subprocess.Popen:
    if not argv or not isinstance(argv, (list, tuple)):
        raise TypeError("argv must be a non-empty list of strings")
    full_env = None if env is None else {**os.environ, **env}
    try:
        return subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                env=full_env, cwd=cwd, start_new_session=True)
    except FileNotFoundError:
        raise MeshtuiError(f"{argv[0]}: command not found") from None
    except PermissionError:
        raise MeshtuiError(f"{argv[0]}: permission denied") from None


def run(argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None,
        cwd: str | None = None, stdin: bytes | None = None) -> ProcessResult:
    """Run to completion and capture output; kills the group on timeout."""
    started = time.monotonic()
    proc = _spawn(argv, env, cwd, stdin)
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ProcessTimeout(f"{' '.join(argv)} did not finish within {timeout:g}s") from None
    except BaseException:
        _kill_group(proc)
        raise
    return ProcessResult(tuple(argv), proc.returncode, out.decode(errors="replace"),
                         err.decode(errors="replace"), time.monotonic() - started)


def stream(argv: Sequence[str], *, timeout: float, on_line: Callable[[str, str], None],
           cancel: threading.Event | None = None, env: Mapping[str, str] | None = None,
           cwd: str | None = None, stdin: bytes | None = None) -> ProcessResult:
    """Run while passing each stdout/stderr line to `on_line(stream_name, line)`.

    Returns the result with the full output; raises `ProcessTimeout` or
    `ProcessCancelled` after killing the process group.
    """
    started = time.monotonic()
    proc = _spawn(argv, env, cwd, stdin)
    if stdin is not None and proc.stdin is not None:
        try:
            proc.stdin.write(stdin)
            proc.stdin.close()
        except BrokenPipeError:
            pass
    captured: dict[str, list[str]] = {"stdout": [], "stderr": []}
    partial: dict[str, bytes] = {"stdout": b"", "stderr": b""}
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None and proc.stderr is not None
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    open_streams = 2
    try:
        while open_streams:
            if cancel is not None and cancel.is_set():
                _kill_group(proc)
                raise ProcessCancelled(f"{argv[0]} cancelled")
            if time.monotonic() - started > timeout:
                _kill_group(proc)
                raise ProcessTimeout(f"{' '.join(argv)} did not finish within {timeout:g}s")
            for key, _ in sel.select(timeout=0.1):
                name = key.data
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_streams -= 1
                    if partial[name]:
                        line = partial[name].decode(errors="replace")
                        captured[name].append(line)
                        on_line(name, line)
                        partial[name] = b""
                    continue
                data = partial[name] + chunk
                *lines, partial[name] = data.split(b"\n")
                for raw in lines:
                    line = raw.decode(errors="replace").rstrip("\r")
                    captured[name].append(line)
                    on_line(name, line)
        remaining = max(0.1, timeout - (time.monotonic() - started))
        proc.wait(timeout=remaining)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ProcessTimeout(f"{' '.join(argv)} did not finish within {timeout:g}s") from None
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        sel.close()
    return ProcessResult(tuple(argv), proc.returncode, "\n".join(captured["stdout"]),
                         "\n".join(captured["stderr"]), time.monotonic() - started)


# -- processes meshtui started and may later stop -------------------------------------------
@dataclass(frozen=True)
class ProcessIdentity:
    """A process told apart from any later one that reuses its PID: PID + start time + command line."""

    pid: int
    started: float
    cmdline: tuple[str, ...]


def identify(pid: int, expect: Sequence[str] | None = None, wait: float = 5.0) -> ProcessIdentity | None:
    """The identity of a live process (None when it is gone, a zombie, or not readable).

    Right after `Popen` returns, the kernel may not have set the new program's arguments yet
    (/proc/PID/cmdline reads empty for a moment): wait up to `wait` seconds for a command line,
    and for `expect` when given.
    """
    import psutil

    deadline = time.monotonic() + wait
    while True:
        try:
            proc = psutil.Process(pid)
            with proc.oneshot():
                if proc.status() == psutil.STATUS_ZOMBIE:
                    return None
                found = ProcessIdentity(pid, proc.create_time(), tuple(proc.cmdline()))
        except (psutil.Error, OSError):
            return None
        settled = bool(found.cmdline) and (expect is None or list(found.cmdline) == list(expect))
        if settled or time.monotonic() > deadline:
            return found if found.cmdline else None
        time.sleep(0.01)


def still_running(recorded: ProcessIdentity) -> bool:
    """True only while the PID belongs to the very process recorded (same start time and command line)."""
    current = identify(recorded.pid)
    return (current is not None and abs(current.started - recorded.started) < 0.05
            and current.cmdline == recorded.cmdline)


def find(cmdline: Sequence[str]) -> list[ProcessIdentity]:
    """Live processes of this user whose command line is exactly `cmdline` (e.g. a server meshtui started)."""
    import psutil

    wanted, found = list(cmdline), []
    uid = os.getuid()
    for proc in psutil.process_iter(["pid", "cmdline", "create_time", "uids", "status"]):
        info = proc.info
        if info.get("cmdline") == wanted and info.get("status") != psutil.STATUS_ZOMBIE \
                and info.get("uids") is not None and info["uids"].real == uid:
            found.append(ProcessIdentity(int(info["pid"]), float(info["create_time"]), tuple(wanted)))
    return found


def stop(recorded: ProcessIdentity, grace: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL after `grace`, the recorded process (and its group when it leads one).

    Nothing is signalled unless PID, start time and command line still match: after a reboot or a
    crash the PID may belong to anyone. Returns False when the process was not (or no longer) ours.
    """
    import psutil

    if not still_running(recorded):
        return False
    try:
        proc = psutil.Process(recorded.pid)
        leads_group = os.getpgid(recorded.pid) == recorded.pid
        members = [proc, *proc.children(recursive=True)]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if leads_group and still_running(recorded):
                os.killpg(recorded.pid, sig)
            else:
                for member in members:
                    if member.is_running():  # psutil checks the start time: a reused PID is not signalled
                        member.send_signal(sig)
            _gone, alive = psutil.wait_procs(members, timeout=grace if sig == signal.SIGTERM else 2.0)
            if not alive:
                break
            members = alive
    except (psutil.NoSuchProcess, ProcessLookupError):
        pass
    except (psutil.AccessDenied, PermissionError):
        return False
    return True
