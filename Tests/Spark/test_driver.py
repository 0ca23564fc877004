"""The Spark driver's mechanics (issue 16), with a stand-in for authstats's state commands
(fake_authstats.py): every planned file is read by exactly one shard, locally and through S3;
a failing shard stops the run with its messages and leaves no state; a rerun does only the
missing shard; a shard that refuses its usage (64) stops the run with 64, not retried; a second
attempt of a shard that is in place changes nothing."""

import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import authstats_spark
from conftest import driver_messages, running, upload

FAKE = os.path.join(os.path.dirname(__file__), "fake_authstats.py")


@pytest.fixture
def fake(authstats, tmp_path):
    """fake_authstats.py run by this Python (the executors run what they are shipped)."""
    path = tmp_path / "authstats"
    path.write_text(f"#!{sys.executable}\n" + open(FAKE).read())
    path.chmod(0o755)
    return {"binary": str(path), "env": {"REAL_AUTHSTATS": authstats}}


def digests(folder):
    found = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                found[path] = hashlib.sha256(file.read()).hexdigest()
    return found


def merged_lines(out):
    with open(os.path.join(out, "reports", "files.tsv")) as file:
        return [line.rstrip("\n").split("\t") for line in file]


def test_every_file_is_read_by_one_shard(spark_submit, fake, exports, tmp_path):
    out = str(tmp_path / "out")
    result = spark_submit(["--inputs", exports, "--shards", "3", "--out", out, "--authstats", fake["binary"]], fake["env"])
    assert result.returncode == 0, driver_messages(result)
    with open(os.path.join(out, "plan.json")) as file:
        plan = json.load(file)
    lines = merged_lines(out)
    assert [int(index) for index, _, _ in lines] == list(range(len(plan["inputs"])))
    files = digests(exports)
    assert {path: digest for _, path, digest in lines} == files
    assert [entry["path"] for entry in plan["inputs"]] == [path for _, path, _ in lines]
    # The shipped binary ran (not a path on the executors), and no temporary state is left.
    assert sorted(os.listdir(os.path.join(out, "shards"))) == ["PLAN", "shard-0", "shard-1", "shard-2"]
    with open(os.path.join(out, "run.json")) as file:
        run = json.load(file)
    assert [shard["exit"] for shard in run["shards"]] == [0, 0, 0]
    print(f"\nSpark driver, stand-in binary, 3 shards: {result.seconds:.1f} s")


def test_s3_objects_are_downloaded_and_read_by_one_shard(spark_submit, fake, exports, s3_server, tmp_path):
    count = upload(exports, s3_server, "mechanics", "exports/2026")
    out = str(tmp_path / "out")
    result = spark_submit(["--inputs", "s3://mechanics/exports", "--shards", "4", "--out", out, "--authstats", fake["binary"],
                           "--s3-endpoint", s3_server, "--scratch", str(tmp_path)], fake["env"])
    assert result.returncode == 0, driver_messages(result)
    lines = merged_lines(out)
    assert len(lines) == count
    # Each shard read a local copy with the object's content, in the order of the local walk.
    local = sorted(digests(exports).items(), key=lambda item: authstats_spark.walk_order(os.path.relpath(item[0], exports)))
    assert [digest for _, _, digest in lines] == [digest for _, digest in local]
    assert all(path.startswith(str(tmp_path)) for _, path, _ in lines)
    # The scratch space is cleaned.
    assert not [name for name in os.listdir(tmp_path) if name.startswith("authstats-shard-")]


def test_a_failing_shard_stops_the_run_and_a_rerun_does_only_it(spark_submit, fake, exports, tmp_path):
    out = str(tmp_path / "out")
    arguments = ["--inputs", exports, "--shards", "3", "--out", out, "--authstats", fake["binary"]]
    failed = spark_submit(arguments, dict(fake["env"], FAKE_FAIL_SHARD="1"))
    assert failed.returncode == 2, driver_messages(failed)
    assert "authstats-spark: error: shard 1 failed: authstats exited with status 2:\nauthstats: error: boom on shard 1" in failed.output, driver_messages(failed)
    shards = os.listdir(os.path.join(out, "shards"))
    assert "shard-1" not in shards and not [name for name in shards if name.startswith(".")]
    assert not os.path.exists(os.path.join(out, "reports"))
    # Again, without the fault: the shards already in place are kept; shard 1 runs.
    kept = {name: os.stat(os.path.join(out, "shards", name)).st_ino for name in shards if name.startswith("shard-")}
    again = spark_submit(arguments, fake["env"])
    assert again.returncode == 0, driver_messages(again)
    with open(os.path.join(out, "run.json")) as file:
        reused = {shard["shard"]: shard["reused"] for shard in json.load(file)["shards"]}
    assert reused[1] is False and all(reused[int(name[6:])] for name in kept)
    assert len(merged_lines(out)) == len(digests(exports))
    # The logs of the shards reused are kept (they say what each read); the failure's note is gone.
    logs = os.listdir(os.path.join(out, "logs"))
    assert not [name for name in logs if name.endswith(".failed")], logs
    for name in kept:
        assert [log for log in logs if log.startswith(name + ".")], (name, logs)
    # Another time zone: the shards are not reused (their states would not merge).
    zone = spark_submit(arguments + ["--timezone", "Europe/Berlin"], fake["env"])
    assert zone.returncode == 0, driver_messages(zone)
    with open(os.path.join(out, "run.json")) as file:
        assert not any(shard["reused"] for shard in json.load(file)["shards"])


def test_a_shard_refusing_its_usage_stops_the_run_with_64_and_is_not_retried(spark_submit, fake, exports, tmp_path):
    """Found on 2026-12-06: a shard whose authstats exited 64 (bad usage, the same on every
    attempt) failed its task, which Spark retried up to spark.task.maxFailures times (downloads
    and run again), and the driver exited 2. Run where Spark may try a task 4 times."""
    out = str(tmp_path / "out")
    attempts = tmp_path / "attempts"
    arguments = ["--inputs", exports, "--shards", "3", "--out", out, "--authstats", fake["binary"]]
    refused = spark_submit(arguments, dict(fake["env"], FAKE_USAGE_SHARD="1", FAKE_ATTEMPTS_FILE=str(attempts)),
                           master="local[2,4]")
    assert refused.returncode == 64, driver_messages(refused)
    assert ("authstats-spark: error: shard 1: bad usage (exit 64), not retried:\nauthstats: error: bad usage on shard 1"
            in refused.output), driver_messages(refused)
    assert len(attempts.read_text().splitlines()) == 1, attempts.read_text()
    shards = os.listdir(os.path.join(out, "shards"))
    assert "shard-1" not in shards and not [name for name in shards if name.startswith(".")]
    assert not os.path.exists(os.path.join(out, "reports")) and not os.path.exists(os.path.join(out, "state"))
    # Its log and the failure's note, as for other failures.
    logs = os.listdir(os.path.join(out, "logs"))
    assert "shard-1.failed" in logs and [name for name in logs if name.startswith("shard-1.") and name.endswith(".stderr")], logs


def test_a_partial_shard_runs_again_on_the_next_run(spark_submit, fake, exports, tmp_path):
    """Found by a review on 2026-12-05: a shard that read an input only in part (exit 1) was
    reused by every later run, so a passing problem stayed in the reports."""
    out = str(tmp_path / "out")
    arguments = ["--inputs", exports, "--shards", "3", "--out", out, "--authstats", fake["binary"]]
    partial = spark_submit(arguments, dict(fake["env"], FAKE_PARTIAL_SHARD="2"))
    assert partial.returncode == 1, driver_messages(partial)
    assert "authstats-spark: warning: shard 2 read an input only in part or not at all" in partial.output, driver_messages(partial)
    # Its rerun fails: the partial shard stays in place until a run replaces it.
    failing = spark_submit(arguments, dict(fake["env"], FAKE_FAIL_SHARD="2"))
    assert failing.returncode == 2, driver_messages(failing)
    assert os.path.isdir(os.path.join(out, "shards", "shard-2"))
    again = spark_submit(arguments, fake["env"])
    assert again.returncode == 0, driver_messages(again)
    with open(os.path.join(out, "run.json")) as file:
        shards = {shard["shard"]: shard for shard in json.load(file)["shards"]}
    assert shards[2]["reused"] is False and shards[2]["exit"] == 0
    assert shards[0]["reused"] is True and shards[1]["reused"] is True
    assert not [name for name in os.listdir(os.path.join(out, "shards")) if name.startswith(".")]


def test_failures_that_write_no_reports_exit_2_saying_why(s3_server, tmp_path, capsys):
    """Found by a review on 2026-12-05: an empty prefix, a missing bucket or a merge that could
    not start exited 1, which the driver's table keeps for reports written."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket="empty-one")
    for url in ("s3://empty-one/nothing-here", "s3://no-such-bucket/x"):
        with pytest.raises(SystemExit) as stopped:
            authstats_spark.list_s3([url], s3_server)
        assert stopped.value.code == 2, url
        assert "authstats-spark: error: " in capsys.readouterr().err, url
    assert authstats_spark.run_authstats([str(tmp_path / "no-such-binary"), "plan"], "authstats plan") == 2
    assert "authstats-spark: error: authstats plan could not run: " in capsys.readouterr().err


def test_a_long_key_gets_a_local_name_a_file_system_takes():
    assert authstats_spark.local_name("p/q/x.json.gz") == "x.json.gz"
    long = authstats_spark.local_name("p/" + "x" * 300 + ".json.gz")
    assert len(long.encode()) <= 200 and long.endswith("~.json.gz") and long.startswith("xxx")
    assert len(authstats_spark.local_name("é" * 300).encode()) <= 200
    assert len(authstats_spark.local_name("x" * 300 + "." + "\U0001F600" * 100).encode()) <= 200


def planned(fake, exports, tmp_path, scratch):
    """OUT (with logs/ and shards/) and a plan of `exports` in 2 shards made by the fake
    authstats; the driver's arguments for them, with `scratch`."""
    out = str(tmp_path / "out")
    os.makedirs(os.path.join(out, "logs"))
    os.makedirs(os.path.join(out, "shards"))
    plan = os.path.join(out, "plan.json")
    os.environ.update(fake["env"])
    assert authstats_spark.run_authstats(authstats_spark.plan_command(fake["binary"], 2, plan, [exports]), "plan") == 0
    arguments = ["--inputs", exports, "--shards", "2", "--out", out, "--authstats", fake["binary"],
                 "--authstats-on-executors", fake["binary"], "--scratch", str(scratch)]
    return out, plan, arguments


def test_a_second_attempt_of_a_shard_in_place_changes_nothing(fake, exports, tmp_path):
    """What a speculative or retried Spark task does, without Spark: the same shard twice."""
    out, plan, arguments = planned(fake, exports, tmp_path, tmp_path)
    args = authstats_spark.parse_arguments(arguments)
    job = authstats_spark.ShardJob(args, out, plan, "authstats")
    first = job(0)
    state = os.path.join(out, "shards", "shard-0")
    before = os.stat(os.path.join(state, "files.tsv"))
    second = job(0)
    assert first["reused"] is False and second["reused"] is True
    assert os.stat(os.path.join(state, "files.tsv")).st_mtime_ns == before.st_mtime_ns
    # Two attempts that both finish: the second's rename fails, and its copy is removed.
    shutil.rmtree(state)
    first = job(1)
    os.rename(os.path.join(out, "shards", "shard-1"), os.path.join(out, "shards", "winner"))
    os.makedirs(os.path.join(out, "shards", "shard-1", "x"))  # the other attempt, renamed in meanwhile
    assert job(1)["reused"] is True
    assert not [name for name in os.listdir(os.path.join(out, "shards")) if name.startswith(".")]


def test_a_killed_shard_leaves_nothing_behind(fake, exports, tmp_path):
    """A shard process killed (the OOM killer, a preempted machine): the task fails, saying so,
    and neither its final state nor a temporary copy is left; the scratch space is cleaned."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out, plan, arguments = planned(fake, exports, tmp_path, scratch)
    args = authstats_spark.parse_arguments(arguments)
    job = authstats_spark.ShardJob(args, out, plan, "authstats")
    os.environ["FAKE_KILL_SHARD"] = "1"
    try:
        with pytest.raises(authstats_spark.ShardFailed, match="shard 1: authstats was killed by SIGKILL"):
            job(1)
    finally:
        del os.environ["FAKE_KILL_SHARD"]
    assert os.listdir(os.path.join(out, "shards")) == []
    assert os.listdir(scratch) == []
    assert job(1)["reused"] is False  # and the retry starts from nothing


# How a test's child process starts authstats: through setpriv, or (where there is none) with
# the preexec_fn; the child's Python code that makes it so.
WAYS = {"setpriv": "", "preexec_fn": "authstats_spark.setpriv = lambda: None\n"}


def way_here(way):
    if way == "setpriv" and authstats_spark.setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here (util-linux): the setpriv way was NOT tested")


def wait_for_death(pid, what):
    deadline = time.time() + 10
    while running(pid) and time.time() < deadline:
        time.sleep(0.05)
    if running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail(what)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("way", sorted(WAYS))
def test_a_killed_task_takes_its_authstats_with_it_and_a_later_attempt_removes_its_scratch(way, fake, exports, tmp_path):
    """Found by a review on 2026-12-05: a task's process SIGKILLed (an executor lost, a task
    killed by Spark) left its authstats running, orphaned, and its scratch folder for good. The
    shard function in a process of its own, SIGKILLed while authstats runs; authstats started
    through setpriv, and with the preexec_fn where setpriv is missing."""
    way_here(way)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    out, plan, arguments = planned(fake, exports, tmp_path, scratch)
    task = subprocess.Popen([sys.executable, "-c", "import sys, authstats_spark\n" + WAYS[way] +
                             f"args = authstats_spark.parse_arguments({arguments!r})\n"
                             f"authstats_spark.ShardJob(args, {out!r}, {plan!r}, 'authstats')(1)\n"],
                            env=dict(os.environ, FAKE_HANG_SHARD="1", PYTHONPATH=os.path.dirname(authstats_spark.__file__)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not glob.glob(str(scratch / f"authstats-shard-1-{task.pid}-*" / "state" / "pid")):
        assert task.poll() is None and time.time() < deadline, task.communicate()
        time.sleep(0.05)
    (pid_file,) = glob.glob(str(scratch / f"authstats-shard-1-{task.pid}-*" / "state" / "pid"))
    child = int(open(pid_file).read())
    # authstats holds its scratch folder's lock (the descriptor passed through setpriv and its shell).
    folder = os.path.dirname(os.path.dirname(pid_file))
    assert folder in [os.readlink(f"/proc/{child}/fd/{fd}") for fd in os.listdir(f"/proc/{child}/fd")], way
    os.kill(task.pid, signal.SIGKILL)
    task.communicate()
    wait_for_death(child, "authstats outlived its task")
    stale = os.path.basename(os.path.dirname(os.path.dirname(pid_file)))
    # Kept: a live process's folder, and a folder whose PID is no process here but whose lock is
    # held (an attempt in another container sharing the scratch folder).
    live = scratch / f"authstats-shard-0-{os.getpid()}-live"
    live.mkdir()
    elsewhere = scratch / f"authstats-shard-0-{task.pid}-elsewhere"
    elsewhere.mkdir()
    lock = os.open(elsewhere, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert sorted(os.listdir(scratch)) == sorted([stale, live.name, elsewhere.name])
        # The next attempt, here: the dead attempt's folder removed, and the shard run.
        job = authstats_spark.ShardJob(authstats_spark.parse_arguments(arguments), out, plan, "authstats")
        assert job(1)["reused"] is False
        assert sorted(os.listdir(scratch)) == sorted([live.name, elsewhere.name])
    finally:
        os.close(lock)
    assert authstats_spark.clean_scratch(str(scratch)) == [elsewhere.name]  # its lock released


def test_an_object_changed_since_the_plan_fails_its_shard(s3_server, tmp_path):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server)
    client.create_bucket(Bucket="changing")
    client.put_object(Bucket="changing", Key="a/x.gz", Body=b"12345")
    client.put_object(Bucket="changing", Key="a/y.gz", Body=b"123")
    assert authstats_spark.list_s3(["s3://changing/a"], s3_server) == [("s3://changing/a/x.gz", 5), ("s3://changing/a/y.gz", 3)]
    # Listed as report walks a folder: component by component (a/sub/ before a/sub.gz, which
    # S3's byte order puts first), hidden names and folder markers skipped, a/ not a.gz; an
    # object named exactly is itself; a URL reached twice is listed once.
    for key in ("b/sub.gz", "b/sub/1.gz", "b/.hidden/2.gz", "b/sub/.3.gz", "b/marker/", "b.gz"):
        client.put_object(Bucket="changing", Key=key, Body=b"z")
    listed = authstats_spark.list_s3(["s3://changing/b", "s3://changing/b.gz", "s3://changing/b/sub.gz"], s3_server)
    assert [path for path, _ in listed] == ["s3://changing/b/sub/1.gz", "s3://changing/b/sub.gz", "s3://changing/b.gz"]
    plan = tmp_path / "plan.json"
    entries = [{"path": "s3://changing/a/x.gz", "size": 5, "archive": False, "shard": 0, "index": 0},
               {"path": "s3://changing/a/y.gz", "size": 4, "archive": False, "shard": 0, "index": 1}]
    plan.write_text(json.dumps({"schema": "authstats.plan/1", "id": "0" * 32, "shards": 1, "inputs": entries}))
    args = authstats_spark.parse_arguments(["--inputs", "s3://changing/a", "--shards", "1", "--out", str(tmp_path),
                                            "--authstats", sys.executable, "--s3-endpoint", s3_server])
    job = authstats_spark.ShardJob(args, str(tmp_path), str(plan), "authstats")
    with pytest.raises(authstats_spark.ShardFailed, match=r"s3://changing/a/y.gz is 3 bytes, not the 4 it was planned with"):
        job.localized_plan(0, str(tmp_path))
    # Rewritten to the same size after the listing: its ETag tells (If-Match), the size could not.
    etags = {}
    assert authstats_spark.list_s3(["s3://changing/a"], s3_server, etags) == [("s3://changing/a/x.gz", 5), ("s3://changing/a/y.gz", 3)]
    assert sorted(etags) == ["s3://changing/a/x.gz", "s3://changing/a/y.gz"]
    (tmp_path / authstats_spark.ETAGS_FILE).write_text(json.dumps(etags))
    entries[1]["size"] = 3
    plan.write_text(json.dumps({"schema": "authstats.plan/1", "id": "0" * 32, "shards": 1, "inputs": entries}))
    job = authstats_spark.ShardJob(args, str(tmp_path), str(plan), "authstats")
    work = tmp_path / "work"  # (the localized plan is written there: not over the plan)
    work.mkdir()
    with open(job.localized_plan(0, str(work))[0]) as file:  # the objects as listed: downloaded
        assert [entry["path"].startswith(str(work)) for entry in json.load(file)["inputs"]] == [True, True]
    client.put_object(Bucket="changing", Key="a/x.gz", Body=b"54321")
    with pytest.raises(authstats_spark.ShardFailed, match=r"s3://changing/a/x.gz is not the object it was planned with"):
        job.localized_plan(0, str(work))
    # A download that fails (here an object gone, with no ETag to tell it by) names the object
    # and S3's answer.
    (tmp_path / authstats_spark.ETAGS_FILE).unlink()
    entries[1]["path"] = "s3://changing/a/gone.gz"
    plan.write_text(json.dumps({"schema": "authstats.plan/1", "id": "0" * 32, "shards": 1, "inputs": entries}))
    job = authstats_spark.ShardJob(args, str(tmp_path), str(plan), "authstats")
    with pytest.raises(authstats_spark.ShardFailed, match=r"s3://changing/a/gone.gz could not be downloaded: ClientError: .*404"):
        job.localized_plan(0, str(work))


def test_a_time_zone_that_is_not_one_is_bad_usage_before_anything_runs(fake, exports, tmp_path, capsys, monkeypatch):
    for name, value in fake["env"].items():
        monkeypatch.setenv(name, value)
    # What authstats takes, the driver takes (GMT+2 is no IANA name, but Foundation's zone).
    for zone in ("Europe/Berlin", "GMT+2"):
        assert authstats_spark.zone_problem(fake["binary"], zone) is None
        authstats_spark.parse_arguments(["--inputs", exports, "--shards", "2", "--out", str(tmp_path / "out"),
                                         "--authstats", fake["binary"], "--timezone", zone])
    # The binary ran (the check's refusal is its own), and AUTHSTATS_* of the driver's are not its business.
    monkeypatch.setenv("AUTHSTATS_JOBS", "abc")
    assert authstats_spark.zone_problem(fake["binary"], "UTC") is None
    assert "Unknown time zone 'Mars/Olympus'" in authstats_spark.zone_problem(fake["binary"], "Mars/Olympus")
    with pytest.raises(SystemExit) as exit:
        authstats_spark.parse_arguments(["--inputs", exports, "--shards", "2", "--out", str(tmp_path / "out"),
                                         "--authstats", fake["binary"], "--timezone", "Europe/Berln"])
    assert exit.value.code == authstats_spark.EXIT_USAGE
    assert "--timezone Europe/Berln: Unknown time zone 'Europe/Berln'" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("way", sorted(WAYS))
def test_a_killed_driver_takes_its_merge_with_it(way, fake, tmp_path):
    """Left by the session of 2026-12-05: the authstats processes the driver itself starts (plan,
    merge, report) ran on, orphaned, when the driver was killed (spark-submit's process lost
    with its machine or container, a kill -9), a merge writing OUT/.state.* for nothing. The
    driver's merge in a process of its own, SIGKILLed while authstats state merge runs."""
    way_here(way)
    out = tmp_path / "out"
    out.mkdir()
    pid_file = tmp_path / "merge.pid"
    with open(tmp_path / "log", "w") as log:  # (not a pipe: an orphaned merge would hold it open)
        driver = subprocess.Popen([sys.executable, "-c", "import argparse, authstats_spark\n" + WAYS[way] +
                                   f"args = argparse.Namespace(authstats={fake['binary']!r}, timezone='UTC')\n"
                                   f"authstats_spark.merge_and_report(args, {str(out)!r}, 2)\n"],
                                  env=dict(os.environ, FAKE_HANG_MERGE=str(pid_file), PYTHONPATH=os.path.dirname(authstats_spark.__file__)),
                                  stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while not pid_file.exists():
        assert driver.poll() is None and time.time() < deadline, (tmp_path / "log").read_text()
        time.sleep(0.05)
    child = int(pid_file.read_text())
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    wait_for_death(child, "authstats state merge outlived the driver")


def test_the_driver_starts_authstats_with_no_python_between_fork_and_exec(fake, exports, tmp_path, monkeypatch):
    """Left by the session of 2026-12-05: every task started authstats with a preexec_fn (Python
    code run between fork and exec), which Python documents may deadlock in a process with
    threads, as a PySpark worker and the driver are. Now every authstats the driver and its
    tasks start goes through setpriv, which sets the death signal itself; the preexec_fn is
    only the fallback where setpriv is missing."""
    way_here("setpriv")
    tool = authstats_spark.setpriv()
    started = []
    real_run = subprocess.run

    def recording(command, *positional, **options):
        started.append((list(command), options.get("preexec_fn")))
        return real_run(command, *positional, **options)

    monkeypatch.setattr(subprocess, "run", recording)
    out, plan, arguments = planned(fake, exports, tmp_path, tmp_path)
    args = authstats_spark.parse_arguments(arguments)  # (its check of --timezone runs authstats)
    assert authstats_spark.ShardJob(args, out, plan, "authstats")(0)["reused"] is False
    assert authstats_spark.ShardJob(args, out, plan, "authstats")(1)["reused"] is False
    assert authstats_spark.merge_and_report(args, out, 2)[0] == 0
    ran = [(command, preexec) for command, preexec in started if fake["binary"] in command]
    assert len(ran) >= 5, started  # plan, the zone's check, 2 shards, merge, report
    for command, preexec in ran:
        assert preexec is None and command[:4] == [tool, "--pdeathsig", "TERM", "--"], command
    # Where there is no setpriv: the preexec_fn, as before.
    monkeypatch.setattr(authstats_spark, "setpriv", lambda: None)
    command, preexec = authstats_spark.dying_with_parent([fake["binary"], "plan"])
    assert command == [fake["binary"], "plan"] and callable(preexec)


def test_a_child_whose_parent_died_before_setpriv_set_the_signal_does_not_run(tmp_path):
    """setpriv sets the death signal in the child: a parent that died before that sends none, so
    the shell setpriv runs checks that its parent is still the one that started it (PPID), and
    exits 143 without running the command when it is not (here: told another parent)."""
    way_here("setpriv")
    marker = tmp_path / "ran"
    command = ["/bin/sh", "-c", 'touch "$0"', str(marker)]
    wrapped, preexec = authstats_spark.dying_with_parent(command, parent=1)
    assert preexec is None
    assert subprocess.run(wrapped).returncode == 143 and not marker.exists()
    assert authstats_spark.run_dying_with_parent(command).returncode == 0 and marker.exists()
    with pytest.raises(FileNotFoundError):  # a missing binary fails as subprocess's would
        authstats_spark.dying_with_parent([str(tmp_path / "no-such-binary")])
