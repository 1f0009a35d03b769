"""The container image's figures: its size on disk and compressed (what a registry keeps and a pull
transfers: the layer's tar, gzip level 6, as docker and podman push it), and the time from `run` to the
first 200 of /healthz, and from `stop` to the container's exit (SIGTERM). podman (or CONTAINER_TOOL) runs
it, with checks/release/containers.conf unless CONTAINERS_CONF is set."""
import gzip
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTS = 10


def measure(image, row, call, free_port):
    tool = os.environ.get("CONTAINER_TOOL") or shutil.which("podman") or shutil.which("docker")
    env = dict(os.environ)
    if os.path.basename(tool) == "podman":
        env.setdefault("CONTAINERS_CONF", os.path.join(ROOT, "checks", "release", "containers.conf"))

    def run(*args):
        return subprocess.run([tool, *args], env=env, capture_output=True, text=True, check=True).stdout.strip()

    size = int(run("image", "inspect", "--format", "{{.Size}}", image))
    row("the image's size on disk", size / 1e6, "MB", "< 60 MB", size < 60e6, command=f"{os.path.basename(tool)} image inspect {image}")
    with tempfile.TemporaryDirectory() as folder:
        archive = os.path.join(folder, "image.tar")
        run("save", "-o", archive, image)
        compressed = 0
        with open(archive, "rb") as source:
            sink = _Counter()
            with gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6) as packed:
                shutil.copyfileobj(source, packed, 1 << 20)
            compressed = sink.count
    row("  compressed (gzip -6: what a registry keeps, what a pull transfers)", compressed / 1e6, "MB", "< 60 MB", compressed < 60e6,
        command=f"{os.path.basename(tool)} save {image} | gzip -6 | wc -c")

    starts, stops = [], []
    for _ in range(STARTS):
        port = free_port()
        name = "tdmock-bench-" + uuid.uuid4().hex[:8]
        began = time.monotonic()
        run("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8080", "-e", "TDMOCK_IN_MEMORY=true", image)
        try:
            while True:
                try:
                    if call("GET", f"http://127.0.0.1:{port}/healthz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.01)
            starts.append(time.monotonic() - began)
            began = time.monotonic()
            run("stop", "-t", "10", name)
            stops.append(time.monotonic() - began)
        finally:
            subprocess.run([tool, "rm", "-f", name], env=env, capture_output=True)
    row(f"`{os.path.basename(tool)} run` to the first 200 of /healthz (median of {STARTS})", statistics.median(starts) * 1000, "ms",
        command=f"{os.path.basename(tool)} run -d -p PORT:8080 -e TDMOCK_IN_MEMORY=true {image}, then GET /healthz until 200")
    row(f"`{os.path.basename(tool)} stop` (SIGTERM) to exit (median of {STARTS})", statistics.median(stops) * 1000, "ms", "<= 10 s",
        max(stops) <= 10)


class _Counter:
    """A write-only file that counts the bytes written to it."""

    def __init__(self):
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return len(data)

    def flush(self):
        pass
