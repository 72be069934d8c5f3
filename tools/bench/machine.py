"""What the benchmark ran on: the machine, its load, and the OpenBLAS numpy loaded."""
from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine_info() -> dict:
    import numpy as np

    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or None)
    mem = next((int(line.split()[1]) * 1024 for line in _read("/proc/meminfo").splitlines()
                if line.startswith("MemTotal:")), None)
    os_name = next((line.split("=", 1)[1].strip().strip('"')
                    for line in _read("/etc/os-release").splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.system())
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    blas = None
    try:
        cfg = np.show_config(mode="dicts")
        b = cfg.get("Build Dependencies", {}).get("blas", {})
        blas = " ".join(str(b.get(k)) for k in ("name", "version") if b.get(k)) or None
    except Exception:
        pass
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                          "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                          "MKL_NUM_THREADS")}
    info = {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_bytes": mem,
        "os": f"{os_name} (Linux {platform.release()})" if platform.system() == "Linux" else os_name,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": blas,
        "blas_env": env,
        "blas_env_note": ("the environment above was left unchanged (null = not set; "
                          "OpenBLAS then uses one thread per core). cpython_ms is measured "
                          "with OpenBLAS set to 1 thread at run time through its own "
                          "openblas_set_num_threads (as Pyodide has one thread); each "
                          "case's detail also has the default-thread-count median."),
        "openblas": openblas().info(),
    }
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version",
                                                       "architecture", "num_threads")}
                               for p in threadpool_info()]
    except Exception:
        pass
    return info


def load_average() -> float | None:
    """The 1-minute load average of the whole machine (None where it is unknown)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


class OpenBLAS:
    """The OpenBLAS that numpy loaded, through its own C API (what threadpoolctl does).

    On this shared 2-core machine numpy's default (one BLAS thread per core) swung a
    conv2d from 11 ms to 170 ms between runs whenever other work held a core (spinning
    BLAS threads wait out scheduler slices), so the headline CPython figure pins BLAS to
    one thread, like Pyodide's single thread; the default is measured too and kept."""

    def __init__(self):
        import ctypes
        import re

        import numpy  # noqa: F401  (loads the library)

        self.lib = self.path = None
        self._fn = {}
        paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", _read("/proc/self/maps"))))
        for path in paths:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    names = {k: f"{prefix}_{k}{suffix}" for k in
                             ("get_num_threads", "set_num_threads", "get_config",
                              "get_corename")}
                    if all(hasattr(lib, n) for n in names.values()):
                        self.lib, self.path = lib, path
                        self._fn = {k: getattr(lib, n) for k, n in names.items()}
                        self._fn["get_config"].restype = ctypes.c_char_p
                        self._fn["get_corename"].restype = ctypes.c_char_p
                        return

    @property
    def found(self) -> bool:
        return self.lib is not None

    def get_threads(self) -> int | None:
        return int(self._fn["get_num_threads"]()) if self.found else None

    def set_threads(self, n: int) -> None:
        if self.found:
            self._fn["set_num_threads"](int(n))

    @contextlib.contextmanager
    def one_thread(self):
        """Within the block, OpenBLAS runs on one thread (as Pyodide does); the default after."""
        default = self.get_threads()
        self.set_threads(1)
        try:
            yield
        finally:
            self.set_threads(default or 1)

    def info(self) -> dict:
        if not self.found:
            return {"found": False}
        return {"found": True, "library": Path(self.path).name,
                "config": self._fn["get_config"]().decode(errors="replace"),
                "corename": self._fn["get_corename"]().decode(errors="replace"),
                "default_threads": self.get_threads()}


_OPENBLAS: OpenBLAS | None = None


def openblas() -> OpenBLAS:
    global _OPENBLAS
    if _OPENBLAS is None:
        _OPENBLAS = OpenBLAS()
    return _OPENBLAS
