"""How long the built executable takes from start to the first page answered; prints figures.

    python benchmarks/bench_startup.py [dist/InsCRM] [--runs 5] [--data COPY_OF_DEMO_DIR]

Cold runs drop the OS page cache first (Linux, as root; otherwise they are reported as warm).
Each start unpacks the one-file build anew, as a double-click does. With --data, a copy of that
data directory is also timed (its first start of the day includes the daily backup).
"""

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def time_to_first_page(exe, data_dir, timeout=300):
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(exe), "serve", "--no-browser", "--data-dir", str(data_dir), "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while time.monotonic() - started < timeout:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                return time.monotonic() - started
            except urllib.error.HTTPError:
                return time.monotonic() - started
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"{exe} exited with {proc.returncode}") from None
                time.sleep(0.01)
        raise SystemExit(f"no answer within {timeout} s")
    finally:
        proc.terminate()  # the one-file bootloader passes SIGTERM on: a clean stop
        proc.wait(timeout=60)


def measure(label, exe, make_data_dir, runs):
    cold, warm = [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="inscrm-bench-") as tmp:
            data = make_data_dir(Path(tmp))
            is_cold = run % 2 == 0 and drop_caches()
            (cold if is_cold else warm).append(time_to_first_page(exe, data))
    for kind, values in (("cold", cold), ("warm", warm)):
        if values:
            print(f"{label:<34} {kind}: median {statistics.median(values):5.2f} s  "
                  f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("exe", nargs="?", default="dist/InsCRM" + (
        ".exe" if sys.platform == "win32" else ""))
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--data", help="a data directory to copy and time (e.g. a demo copy)")
    args = parser.parse_args()
    exe = Path(args.exe).resolve()
    print(f"{exe.name}: {exe.stat().st_size / 1e6:.1f} MB")

    def initialised(tmp):
        data = tmp / "data"
        subprocess.run([str(exe), "init", "--data-dir", str(data), "--site", "BENCH",
                        "--site-name", "基准", "--admin-password", "bench-pass-1"],
                       check=True, stdout=subprocess.DEVNULL)
        return data

    measure("new data directory (setup page)", exe, lambda tmp: tmp / "data", args.runs)
    measure("initialised data directory", exe, initialised, args.runs)
    if args.data:
        def demo_copy(tmp):
            shutil.copytree(args.data, tmp / "data")
            return tmp / "data"

        measure(f"copy of {Path(args.data).name}", exe, demo_copy, min(args.runs, 2))


if __name__ == "__main__":
    main()
