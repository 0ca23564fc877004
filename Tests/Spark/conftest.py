"""Shared pieces of the Spark tests: the built authstats, the virtual environment's tools,
generated exports, and an S3 server (moto) on loopback."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DRIVER = os.path.join(ROOT, "deploy", "spark", "authstats_spark.py")
VENV_BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.dirname(DRIVER))


def running(pid):
    """Whether `pid` is a process that has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def loud_skip(reason):
    """A skip that nobody misses in a CI log."""
    banner = "*" * 78
    print(f"\n{banner}\n*** SKIPPED: {reason}\n{banner}", file=sys.stderr)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def authstats():
    """The authstats binary make test built (AUTHSTATS_BIN overrides)."""
    path = os.environ.get("AUTHSTATS_BIN") or os.path.join(ROOT, ".build", "debug", "authstats")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built: run `swift build` (make test-spark does)")
    return path


@pytest.fixture(scope="session")
def spark_submit():
    """Runs `spark-submit --master local[2] authstats_spark.py ARGS` with this environment's
    Python on the driver and the executors; returns the CompletedProcess. `master` replaces
    local[2]: local[2,4] lets Spark try a failed task 4 times (local[2] tries it once)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        loud_skip("PySpark could not be installed into .venv/ (make venv): the Spark driver was NOT tested")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        loud_skip("no Java (Spark needs Java 17): the Spark driver was NOT tested")
    submit = os.path.join(VENV_BIN, "spark-submit")

    def run(arguments, environment=None, master="local[2]"):
        env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable,
                   SPARK_LOCAL_IP="127.0.0.1", **(environment or {}))
        command = [submit, "--master", master, "--conf", "spark.ui.enabled=false", DRIVER] + arguments
        started = time.time()
        # spark-submit runs the driver with its stderr joined to stdout: one stream, in order.
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=600)
        result.seconds = time.time() - started
        result.output = result.stdout
        return result

    return run


def driver_messages(result):
    """The driver's own lines (and what follows them), without Spark's log."""
    lines = result.output.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("authstats-spark:")), len(lines))
    return "\n".join(line for line in lines[start:] if " INFO " not in line)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 (a free port), stopped at the end; yields its URL.
    boto3 gets test credentials through the environment (moto accepts any)."""
    server = os.path.join(VENV_BIN, "moto_server")
    if not os.access(server, os.X_OK):
        loud_skip("moto[server] is not installed in .venv/: the S3 path was NOT tested")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    saved = {name: os.environ.get(name) for name in credentials}
    os.environ.update(credentials)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    pytest.fail(f"moto_server did not start on {url}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def upload(folder, endpoint, bucket, prefix):
    """Every file under `folder` to s3://bucket/prefix/<relative path>."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=bucket)
    count = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            client.upload_file(path, bucket, f"{prefix}/{os.path.relpath(path, folder)}")
            count += 1
    return count


@pytest.fixture(scope="session")
def exports(authstats, tmp_path_factory):
    """A few MB of generated exports of all three kinds (the user directory moved out, so
    every file is an event input), and a copy of one object under another name (a plan keeps
    copies in one shard, whose state skips the copy as a single run does)."""
    folder = tmp_path_factory.mktemp("exports")
    data = folder / "data"
    subprocess.run([authstats, "generate", "--out", str(data), "--users", "300", "--days", "20",
                    "--kinds", "pinpoint,activity,cloudtrail", "-q"], check=True)
    shutil.move(str(data / "users"), str(folder / "users"))
    first = sorted(data.glob("2026/*/*/*/*.gz"))[0]
    (data / "redelivered").mkdir()
    shutil.copy(first, data / "redelivered" / first.name)
    return str(data)
