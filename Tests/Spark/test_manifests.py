"""deploy/kubernetes and deploy/aws-batch (issue 16): they cannot run here, so they are checked
with what can: they parse, their shell is valid, and they run the authstats commands the Spark
driver runs (and the Spark test runs), with the options authstats has."""

import fcntl
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml

import authstats_spark
from conftest import ROOT, running

SEPARATORS = {";", "&&", "||", "|", "(", ")", "&"}


def scripts():
    """(file, name, script) for every shell script of the manifests."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "kubernetes", "*.yaml"))):
        with open(path) as file:
            for document in yaml.safe_load_all(file):
                assert document["apiVersion"] == "batch/v1" and document["kind"] == "Job", path
                for container in document["spec"]["template"]["spec"]["containers"]:
                    assert container["command"] == ["/bin/sh", "-c"], path
                    found.append((os.path.basename(path), container["name"], container["args"][0], document))
    for path in sorted(glob.glob(os.path.join(ROOT, "deploy", "aws-batch", "*.json"))):
        with open(path) as file:
            definition = json.load(file)
        command = definition["containerProperties"]["command"]
        assert command[:2] == ["/bin/sh", "-c"] and len(command) == 3, path
        found.append((os.path.basename(path), definition["jobDefinitionName"], command[2], definition))
    return found


def authstats_commands(script):
    """The authstats command lines of a shell script, as argument lists."""
    commands = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current = []
        for token in list(lexer) + [";"]:
            if token in SEPARATORS:
                if current and current[0] == "authstats":
                    commands.append(current)
                current = []
            elif not current and token in ("exec", "run"):
                continue  # `exec authstats …`, or the scripts' run(), which passes a SIGTERM on to it
            else:
                current.append(token)
    return commands


def options(command):
    return sorted(token for token in command if token.startswith("--"))


def by_subcommand():
    found = {}
    for file, name, script, _ in scripts():
        for command in authstats_commands(script):
            words = [w for w in command[1:3] if not w.startswith("-") and w in ("report", "plan", "state", "merge")]
            key = " ".join(words)
            if key == "report":
                key = "report --plan" if "--plan" in command else "report --state"
            found.setdefault(key, []).append((file, command))
    return found


def test_every_manifest_parses_and_its_shell_is_valid():
    found = scripts()
    assert {f for f, *_ in found} == {"shards-job.yaml", "merge-job.yaml", "plan-job.yaml",
                                      "shard-job-definition.json", "merge-job-definition.json"}
    for file, name, script, _ in found:
        check = subprocess.run(["/bin/sh", "-n", "-c", script], capture_output=True, text=True)
        assert check.returncode == 0, f"{file} ({name}): {check.stderr}"


def test_the_shards_run_the_drivers_shard_command_with_shard_from_env():
    driver = authstats_spark.shard_command("authstats", "P", 0, "S", "UTC", "R")
    expected = sorted(o for o in options(driver) if o != "--shard") + ["--shard-from-env"]
    shards = by_subcommand()["report --plan"]
    assert {file for file, _ in shards} == {"shards-job.yaml", "shard-job-definition.json"}
    for file, command in shards:
        assert options(command) == sorted(expected), file
        assert command[command.index("--state-horizon") + 1] == "none", file
        state = command[command.index("--state") + 1]
        assert state.startswith("/scratch/"), f"{file}: the state is built on local scratch"
        if file.endswith(".json"):
            # /scratch is the instance's, shared by its containers: each child builds in its own folder.
            assert state.startswith("/scratch/$AWS_BATCH_JOB_ID/"), f"{file}: each child's state in a folder of its own"


def test_the_merge_jobs_run_the_drivers_merge_and_report_commands():
    found = by_subcommand()
    merge = options(authstats_spark.merge_command("authstats", "D", "L"))
    report = options(authstats_spark.report_command("authstats", "D", "UTC", "R"))
    for key, expected in (("state merge", merge), ("report --state", report)):
        assert {file for file, _ in found[key]} == {"merge-job.yaml", "merge-job-definition.json"}, key
        for file, command in found[key]:
            assert options(command) == expected, f"{file}: {command}"
    plan = found["plan"]
    assert [file for file, _ in plan] == ["plan-job.yaml"]
    assert options(plan[0][1]) == options(authstats_spark.plan_command("authstats", 8, "P", ["in"]))


def test_the_shard_count_agrees():
    found = {file: item for file, _, _, item in scripts()}
    plan = by_subcommand()["plan"][0][1]
    shards = plan[plan.index("--shards") + 1]
    assert str(found["shards-job.yaml"]["spec"]["completions"]) == shards
    assert str(found["shards-job.yaml"]["spec"]["completionMode"]) == "Indexed"
    kubernetes = found["merge-job.yaml"]["spec"]["template"]["spec"]["containers"][0]["env"]
    for environment in (kubernetes, found["merge-job-definition.json"]["containerProperties"]["environment"]):
        assert {e["name"]: e["value"] for e in environment}["SHARDS"] == shards


def test_every_option_is_one_authstats_has(authstats):
    missing = []
    helps = {}
    for key, commands in by_subcommand().items():
        for file, command in commands:
            subcommand = [w for w in command[1:3] if not w.startswith("-") and w in ("report", "plan", "state", "merge")]
            name = " ".join(subcommand)
            if name not in helps:
                result = subprocess.run([authstats] + subcommand + ["--help"], capture_output=True, text=True)
                # (Without a `state` command, `authstats state merge --help` is report's help.)
                usage = f"USAGE: authstats {name} "
                helps[name] = result.stdout if result.returncode == 0 and usage in result.stdout else None
            for option in options(command):
                if helps[name] is not None and option in helps[name]:
                    continue
                missing.append(f"{file}: {name} {option}")
    assert not missing, "options authstats does not have:\n" + "\n".join(missing)


def script_command(script, root, environment, path=None):
    """A manifest's shell script as a command line and environment to run here: /data and
    /scratch moved under `root`, `path` before PATH."""
    text = script.replace("/data/", f"{root}/data/").replace("/scratch", f"{root}/scratch")
    env = dict(os.environ, **environment)
    if path:
        env["PATH"] = path + os.pathsep + env["PATH"]
    return ["/bin/sh", "-c", text], env


def run_script(script, root, environment, path=None):
    """A manifest's shell script run here: /data and /scratch moved under `root`."""
    command, env = script_command(script, root, environment, path)
    return subprocess.run(command, capture_output=True, text=True, env=env)


def daily(folder):
    with open(os.path.join(folder, "daily.csv"), encoding="utf-8") as file:
        return file.read()


def test_the_scripts_run_again_after_new_exports_use_the_new_plans_shards_and_never_publish_half_a_copy(authstats, exports, tmp_path):
    """Found by a review on 2026-12-05: run again after new exports arrived, every shard pod
    found its shard of the older plan in place and exited 0, and the merge reported the old
    exports (exit 0); and a copy that failed half-way was renamed into place all the same.
    Each platform's scripts, as written, over generated exports (authstats on PATH)."""
    found = {file: script for file, _, script, _ in scripts()}
    binary = tmp_path / "bin"
    binary.mkdir()
    os.symlink(authstats, binary / "authstats")
    # A cp that copies, then fails (a full disk half-way through).
    failing = tmp_path / "failing-cp"
    failing.mkdir()
    (failing / "cp").write_text("#!/bin/sh\n/bin/cp \"$@\"; exit 1\n")
    (failing / "cp").chmod(0o755)
    # An mv that fails (the rename into place refused: permissions, an I/O error).
    failing_mv = tmp_path / "failing-mv"
    failing_mv.mkdir()
    (failing_mv / "mv").write_text("#!/bin/sh\nexit 1\n")
    (failing_mv / "mv").chmod(0o755)
    # An authstats that fails (exit 2: out of memory, a damaged state).
    failing_run = tmp_path / "failing-authstats"
    failing_run.mkdir()
    (failing_run / "authstats").write_text("#!/bin/sh\necho 'authstats: error: out of memory' >&2; exit 2\n")
    (failing_run / "authstats").chmod(0o755)
    for platform, shard_file, merge_file in (("kubernetes", "shards-job.yaml", "merge-job.yaml"),
                                             ("batch", "shard-job-definition.json", "merge-job-definition.json")):
        root = tmp_path / platform
        data = root / "data"
        (data / "exports").mkdir(parents=True)
        # First the Pinpoint exports alone, then the other kinds arrive.
        shutil.copytree(os.path.join(exports, "2026"), data / "exports" / "2026")

        def run_all(fail_shard=None, failing_tool=failing, before_shards=None):
            if platform == "kubernetes":
                result = run_script(found["plan-job.yaml"], root, {}, str(binary))
            else:
                (data / "run").mkdir(exist_ok=True)
                result = subprocess.run([authstats, "plan", str(data / "exports"), "--shards", "8", "--out", str(data / "run" / "plan.json")],
                                        capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
            if before_shards:
                before_shards()
            for index in range(8):
                environment = ({"JOB_COMPLETION_INDEX": str(index), "HOSTNAME": f"pod-{index}"} if platform == "kubernetes"
                               else {"AWS_BATCH_JOB_ARRAY_INDEX": str(index), "AWS_BATCH_JOB_ID": f"job-{index}"})
                path = str(failing_tool) + os.pathsep + str(binary) if index == fail_shard else str(binary)
                (root / "scratch").mkdir(exist_ok=True)
                result = run_script(found[shard_file], root, environment, path)
                shutil.rmtree(root / "scratch")  # each pod's own emptyDir
                if index == fail_shard:
                    assert result.returncode != 0, f"{platform}: a failed copy must fail the shard"
                else:
                    assert result.returncode == 0, f"{platform} shard {index}: {result.stderr}"
            return run_script(found[merge_file], root, {"SHARDS": "8"}, str(binary))

        merged = run_all()
        assert merged.returncode == 0, merged.stderr
        single = tmp_path / f"{platform}-single-1"
        subprocess.run([authstats, "report", str(data / "exports"), "--timezone", "UTC", "--out", str(single), "-q"], check=True)
        assert daily(data / "run" / "reports") == daily(single)

        shutil.copytree(os.path.join(exports, "AWSLogs"), data / "exports" / "AWSLogs")
        # A shard whose copy fails: it publishes nothing, and the merge refuses the missing shard.
        failed = run_all(fail_shard=3)
        assert failed.returncode != 0 and "shard-3" in failed.stderr, f"{platform}: {failed.stderr}"
        with open(data / "run" / "plan.json", "rb") as file:
            plan = hashlib.sha256(file.read()).hexdigest()[:16]
        published = os.listdir(data / "run" / "shards" / plan)
        assert len(published) == 7 and not any("shard-3" in name for name in published), f"{platform}: {published}"
        # Run again (the retry): the new plan's shards, the new exports' reports.
        merged = run_all()
        assert merged.returncode == 0, merged.stderr
        single = tmp_path / f"{platform}-single-2"
        subprocess.run([authstats, "report", str(data / "exports"), "--timezone", "UTC", "--out", str(single), "-q"], check=True)
        assert daily(data / "run" / "reports") == daily(single), f"{platform}: the reports are the new exports'"
        assert os.listdir(data / "run" / "shards") == [plan], f"{platform}: the older plan's shards are removed"

        # Found by a review on 2026-12-05: a rename that failed with no shard in place exited 0,
        # and a shard that read an input not at all was kept by every later run.
        shutil.rmtree(data / "run" / "shards")
        failed = run_all(fail_shard=2, failing_tool=failing_mv)
        assert failed.returncode != 0 and "shard-2" in failed.stderr, f"{platform}: {failed.stderr}"
        assert not any(name.startswith("shard-2") for name in os.listdir(data / "run" / "shards" / plan)), platform
        with open(data / "run" / "plan.json", encoding="utf-8") as file:
            moved = next(entry["path"] for entry in json.load(file)["inputs"] if entry["shard"] == 5)
        aside = tmp_path / f"{platform}-aside"
        shutil.rmtree(data / "run" / "shards")
        partial = run_all(before_shards=lambda: shutil.move(moved, aside))
        assert partial.returncode == 1 and "shard 5: an input was partial or failed" in partial.stdout + partial.stderr, f"{platform}: {partial.stderr}"
        assert os.path.exists(data / "run" / "shards" / plan / "shard-5.partial")
        shutil.move(aside, moved)
        # Its rerun (the same plan) fails: the partial shard stays in place (it was removed
        # before the rerun, and the merge then missed it), and the merge says partial again.
        again = run_all(fail_shard=5, failing_tool=failing_run)
        assert again.returncode == 1, f"{platform}: {again.stderr}"
        assert os.path.isdir(data / "run" / "shards" / plan / "shard-5"), platform
        assert not [name for name in os.listdir(data / "run" / "shards" / plan) if name.startswith(".")], platform
        merged = run_all()
        assert merged.returncode == 0, f"{platform}: {merged.stderr}"
        assert not os.path.exists(data / "run" / "shards" / plan / "shard-5.partial")
        assert daily(data / "run" / "reports") == daily(single), f"{platform}: the shard ran again"


# A stand-in for authstats in the scripts: `state merge`, `report` and `plan` exit with
# FAKE_MERGE, FAKE_REPORT and FAKE_PLAN (default 0; a merge that exits 0 makes its --into, with
# FAKE_WHO in its file `who`; a shard's report that exits 0 makes its --state); the one FAKE_HANG
# names writes its PID to FAKE_MARKS/started and waits, and on SIGTERM writes FAKE_MARKS/term and
# exits 143, as authstats does; with FAKE_GATE, a merge makes its --into, writes FAKE_MARKS/started
# and waits for the file FAKE_GATE before it ends.
STAND_IN = """
import os, signal, sys, time
arguments = sys.argv[1:]
name = "merge" if arguments[:2] == ["state", "merge"] else arguments[0]
marks = os.environ["FAKE_MARKS"]
def started():
    with open(os.path.join(marks, "started.tmp"), "w") as file:
        file.write(str(os.getpid()))
    os.rename(os.path.join(marks, "started.tmp"), os.path.join(marks, "started"))
def made(folder):
    os.makedirs(folder)
    with open(os.path.join(folder, "who"), "w") as file:
        file.write(os.environ.get("FAKE_WHO", ""))
if os.environ.get("FAKE_GATE") and name == "merge":
    made(arguments[arguments.index("--into") + 1])
    started()
    while not os.path.exists(os.environ["FAKE_GATE"]):
        time.sleep(0.02)
    sys.exit(int(os.environ.get("FAKE_MERGE", "0")))
if os.environ.get("FAKE_HANG") == name:
    def stopped(number, frame):
        with open(os.path.join(marks, "term"), "w") as file:
            file.write(name)
        sys.exit(143)
    signal.signal(signal.SIGTERM, stopped)
    started()
    time.sleep(60)
    sys.exit(2)
status = int(os.environ.get("FAKE_" + name.upper(), "0"))
if status == 0 and "--into" in arguments:
    made(arguments[arguments.index("--into") + 1])
if status == 0 and "--plan" in arguments:
    os.makedirs(arguments[arguments.index("--state") + 1])
sys.exit(status)
"""


@pytest.fixture
def stand_in(tmp_path):
    """A folder holding the stand-in as `authstats`."""
    folder = tmp_path / "stand-in"
    folder.mkdir()
    (folder / "authstats").write_text(f"#!{sys.executable}\n" + STAND_IN)
    (folder / "authstats").chmod(0o755)
    return str(folder)


def run_root(root):
    """A run folder for the scripts: a plan (any bytes: the scripts only hash it) and scratch."""
    (root / "data" / "run").mkdir(parents=True)
    (root / "data" / "run" / "plan.json").write_text("{}")
    (root / "scratch").mkdir()
    (root / "marks").mkdir()
    with open(root / "data" / "run" / "plan.json", "rb") as file:
        return root / "data" / "run" / "shards" / hashlib.sha256(file.read()).hexdigest()[:16]


ENVIRONMENT = {"SHARDS": "2", "JOB_COMPLETION_INDEX": "0", "HOSTNAME": "pod-0", "AWS_BATCH_JOB_ARRAY_INDEX": "0",
               "AWS_BATCH_JOB_ID": "job-0"}


def pid_namespaces():
    """Whether a shell can run here as PID 1 of a PID namespace of its own, as in a container."""
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--kill-child", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


@pytest.mark.parametrize("as_init", [False, True], ids=["child", "pid-1"])
def test_a_sigterm_to_a_scripts_shell_reaches_authstats(as_init, stand_in, tmp_path):
    """Found by a review on 2026-12-05: the pods' and jobs' scripts ran authstats in the
    foreground of `/bin/sh -c`, which passes no signal on; as the container's PID 1 it ignores
    a SIGTERM it has no trap for, so on a pod's deletion or eviction authstats got SIGKILL at
    the end of the grace period instead, its temporary files left. Each script, sent SIGTERM
    while each of its authstats commands runs: authstats gets it, the script ends with its
    status (143) and goes no further. `pid-1`: the shell as PID 1 of a PID namespace."""
    if as_init and not pid_namespaces():
        pytest.skip("no PID namespace here (unshare --pid needs root): the scripts were tested as children only")
    for file, name, script, _ in scripts():
        steps = ["merge", "report"] if file.startswith("merge") else ["plan"] if file.startswith("plan") else ["report"]
        for step in steps:
            root = tmp_path / f"{file}-{step}"
            shards = run_root(root)
            marks = root / "marks"
            command, env = script_command(script, root, dict(ENVIRONMENT, FAKE_MARKS=str(marks), FAKE_HANG=step), stand_in)
            if as_init:
                command = ["unshare", "--pid", "--fork", "--kill-child"] + command
            log = open(root / "log", "w+")  # (not a pipe: an orphaned authstats would hold it open)
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            what = f"{file} ({name}), SIGTERM during {step}"
            child = None
            try:
                deadline = time.time() + 30
                while not (marks / "started").exists():
                    assert process.poll() is None and time.time() < deadline, f"{what}: {(root / 'log').read_text()}"
                    time.sleep(0.02)
                # (In a namespace of its own, its PID is the namespace's: nothing to look at here.)
                child = None if as_init else int((marks / "started").read_text())
                shell = process.pid
                if as_init:  # the shell: unshare's child
                    with open(f"/proc/{process.pid}/task/{process.pid}/children") as children:
                        shell = int(children.read().split()[0])
                os.kill(shell, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pytest.fail(f"{what}: the script did not end (its shell ignored the SIGTERM)")
                stderr = (root / "log").read_text()
                assert (marks / "term").exists(), f"{what}: authstats did not get the SIGTERM ({process.returncode}, {stderr})"
                assert process.returncode == 143, f"{what}: {process.returncode}, {stderr}"
                assert not (child and running(child)), f"{what}: authstats outlived the script"
                assert not glob.glob(str(shards / "*shard-*")), f"{what}: a shard published"
                if step == "merge":
                    assert not (root / "data" / "run" / "state").exists(), what
                if file == "shard-job-definition.json":
                    assert not (root / "scratch" / "job-0").exists(), f"{what}: the child's scratch folder is left"
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                log.close()
                if child and running(child):
                    os.kill(child, signal.SIGKILL)


def retried(definition, status):
    """Whether a job's scheduler runs it again after it exits with `status`: Kubernetes by its
    podFailurePolicy (the first rule that matches; none: counted against backoffLimit, or
    backoffLimitPerIndex), AWS Batch by its evaluateOnExit (the first entry that matches; none:
    retried). Each rule is checked against what the scheduler accepts (scheduler_rules)."""
    scheduler_rules(definition)
    if definition.get("kind") == "Job":
        spec = definition["spec"]
        assert spec.get("backoffLimitPerIndex", spec.get("backoffLimit", 6)) >= 1
        for rule in spec.get("podFailurePolicy", {}).get("rules", []):
            codes = rule.get("onExitCodes")
            if codes and (status in codes["values"]) == (codes["operator"] == "In"):
                return rule["action"] not in ("FailJob", "FailIndex")
        return True
    strategy = definition["retryStrategy"]
    assert strategy["attempts"] >= 2
    for entry in strategy.get("evaluateOnExit", []):
        pattern = entry["onExitCode"]
        if str(status) == pattern or (pattern.endswith("*") and str(status).startswith(pattern[:-1])):
            return entry["action"].upper() == "RETRY"
    return True


def scheduler_rules(definition):
    """The exit-status rules as the schedulers take them. Kubernetes (batch/v1 Job): a
    podFailurePolicy needs restartPolicy Never; onExitCodes names one of the pod's containers,
    operator In or NotIn, 1 to 255 values, no 0 with In; FailIndex only with backoffLimitPerIndex.
    AWS Batch (RetryStrategy): 1 to 10 attempts; at most 5 evaluateOnExit entries, each an action
    RETRY or EXIT and here an onExitCode, a pattern of digits that may end with *."""
    if definition.get("kind") == "Job":
        spec = definition["spec"]
        policy = spec.get("podFailurePolicy")
        if policy is None:
            return
        assert spec["template"]["spec"]["restartPolicy"] == "Never", "podFailurePolicy needs restartPolicy Never"
        containers = {container["name"] for container in spec["template"]["spec"]["containers"]}
        for rule in policy["rules"]:
            assert rule["action"] in ("Ignore", "FailJob", "Count", "FailIndex"), rule
            assert ("onExitCodes" in rule) != ("onPodConditions" in rule), rule
            assert rule["action"] != "FailIndex" or "backoffLimitPerIndex" in spec, rule
            codes = rule.get("onExitCodes")
            if codes:
                assert codes.get("containerName", next(iter(containers))) in containers, rule
                assert codes["operator"] in ("In", "NotIn") and 1 <= len(codes["values"]) <= 255, rule
                assert all(isinstance(value, int) for value in codes["values"]), rule
                assert codes["operator"] != "In" or 0 not in codes["values"], rule
        return
    strategy = definition["retryStrategy"]
    assert 1 <= strategy["attempts"] <= 10
    entries = strategy.get("evaluateOnExit", [])
    assert len(entries) <= 5, "AWS Batch takes at most 5 evaluateOnExit entries"
    for entry in entries:
        assert set(entry) == {"onExitCode", "action"}, entry
        assert entry["action"].upper() in ("RETRY", "EXIT"), entry
        assert re.fullmatch(r"[0-9]*\*?", entry["onExitCode"]) and 0 < len(entry["onExitCode"]) <= 512, entry


def test_the_merge_jobs_exit_status_says_whether_a_rerun_can_mend_it(stand_in, tmp_path):
    """Found by a review on 2026-12-05: the merge scripts (`set -e`) exited with authstats's own
    status: a refused merge (1) or a failed mv exited 1, which says "reports written, a shard
    partial", and Kubernetes ran a merge whose reports were written once more; AWS Batch retried
    nothing, not even 75 ("a state in use by another run: run again"). Now 0 written; 1 written,
    a shard or the report partial; 2 not written (refused, missing, damaged or failed: a rerun
    gives the same); 75 and signals as authstats's: retried."""
    failing_mv = tmp_path / "failing-mv"
    failing_mv.mkdir()
    (failing_mv / "mv").write_text("#!/bin/sh\nexit 1\n")
    (failing_mv / "mv").chmod(0o755)
    # (state merge's status, report's status, a shard marked partial, mv fails) -> the script's
    cases = [((0, 0, False, False), 0), ((0, 0, True, False), 1), ((0, 1, False, False), 1),
             ((1, 0, False, False), 2), ((2, 0, False, False), 2), ((64, 0, False, False), 2),
             ((75, 0, False, False), 75), ((143, 0, False, False), 143), ((0, 0, False, True), 2),
             ((0, 2, False, False), 2), ((0, 64, False, False), 2), ((0, 75, False, False), 75)]
    found = {file: (script, definition) for file, _, script, definition in scripts()}
    for file in ("merge-job.yaml", "merge-job-definition.json"):
        script, definition = found[file]
        for (merge, report, partial, mv_fails), expected in cases:
            root = tmp_path / f"{file}-{merge}-{report}-{partial}-{mv_fails}"
            shards = run_root(root)
            (root / "data" / "run" / "state").mkdir()  # an earlier run's
            if partial:
                shards.mkdir(parents=True)
                (shards / "shard-1.partial").write_text("shard 1: an input was partial or failed (exit 1)\n")
            environment = dict(ENVIRONMENT, FAKE_MARKS=str(root / "marks"), FAKE_MERGE=str(merge), FAKE_REPORT=str(report))
            path = str(failing_mv) + os.pathsep + stand_in if mv_fails else stand_in
            result = run_script(script, root, environment, path)
            what = f"{file}: state merge {merge}, report {report}, partial {partial}, mv fails {mv_fails}"
            assert result.returncode == expected, f"{what}: {result.returncode}, {result.stderr}"
            if merge != 0:
                assert (root / "data" / "run" / "state").is_dir(), f"{what}: the earlier state is kept"
        # What the scheduler makes of each: 1 and 2 come again on a rerun (not retried); 75 (a
        # state in use: run again) and a signal (a pod or instance lost) are retried.
        for status, again in ((1, False), (2, False), (75, True), (143, True), (137, True)):
            assert retried(definition, status) is again, f"{file}: exit {status}"
    kubernetes = found["merge-job.yaml"][1]["spec"]
    assert kubernetes["template"]["spec"]["restartPolicy"] == "Never"  # podFailurePolicy needs it
    assert {"type": "DisruptionTarget"} in kubernetes["podFailurePolicy"]["rules"][0]["onPodConditions"]
    assert kubernetes["podFailurePolicy"]["rules"][0]["action"] == "Ignore"  # an eviction is no failure of the merge


def test_the_shard_and_plan_jobs_fail_at_once_on_a_usage_error(stand_in, tmp_path):
    """Left by the session of 2026-12-05: the shard and plan jobs retried every failure, a usage
    error too (exit 64: bad options, a plan the shard refuses, a shard run into a state that
    holds one), which every retry gives again. Now their scripts pass authstats's status on, and
    each scheduler ends the job on 64 and retries 75 (temporary) and a signal, as the merge's."""
    found = {file: (script, definition) for file, _, script, definition in scripts()}
    for file, step in (("shards-job.yaml", "report"), ("shard-job-definition.json", "report"), ("plan-job.yaml", "plan")):
        script, definition = found[file]
        for status in (64, 75, 143):
            root = tmp_path / f"{file}-{status}"
            run_root(root)
            environment = dict(ENVIRONMENT, FAKE_MARKS=str(root / "marks"), **{f"FAKE_{step.upper()}": str(status)})
            result = run_script(script, root, environment, stand_in)
            assert result.returncode == status, f"{file}: authstats {step} exited {status}: {result.returncode}, {result.stderr}"
        for status, again in ((64, False), (75, True), (143, True), (137, True), (2, True), (1, True)):
            assert retried(definition, status) is again, f"{file}: exit {status}"
        if file.endswith(".yaml"):
            rules = definition["spec"]["podFailurePolicy"]["rules"]
            assert rules[0] == {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}, file  # an eviction is no failure


def snapshot(folder):
    """Every path under `folder` (but the merge's lock file) with its content, or None for a folder."""
    found = {}
    for directory, names, files in os.walk(folder):
        for name in names:
            found[os.path.relpath(os.path.join(directory, name), folder)] = None
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                found[os.path.relpath(path, folder)] = file.read()
    found.pop(".merge.lock", None)
    return found


def test_two_merges_at_once_one_merges_and_the_other_exits_75_touching_nothing(stand_in, tmp_path):
    """Left by the session of 2026-12-05: every merge staged in /data/run/.state.new, so a second
    merge (a Job applied twice, a retry beside a pod still running) removed the first one's
    staging folder and wrote the state and reports beside it. Now a merge holds a lock on
    /data/run/.merge.lock: the second exits 75 (retried later) and changes nothing; staging
    folders are the job's own, and those of killed merges go with the next merge."""
    found = {file: script for file, _, script, _ in scripts()}
    for file in ("merge-job.yaml", "merge-job-definition.json"):
        root = tmp_path / file
        run_root(root)
        run = root / "data" / "run"
        marks = root / "marks"
        (run / "state").mkdir()
        (run / "state" / "who").write_text("an earlier run")
        (run / "reports").mkdir()
        (run / "reports" / "daily.csv").write_text("an earlier run's\n")
        # What merges killed (SIGKILL) left: their staging folders and lists, this and the old names.
        leftovers = [run / ".state.new.pod-killed", run / ".state.new"]
        for folder in leftovers:
            (folder / "x").mkdir(parents=True)
        (run / ".state.new.pod-killed.list").write_text("x\n")
        (run / ".shards.list").write_text("x\n")
        gate = root / "gate"
        first_environment = dict(ENVIRONMENT, FAKE_MARKS=str(marks), FAKE_GATE=str(gate), FAKE_WHO="first", HOSTNAME="pod-1",
                                 AWS_BATCH_JOB_ID="job-1")
        command, env = script_command(found[file], root, first_environment, stand_in)
        first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.time() + 30
            while not (marks / "started").exists():
                assert first.poll() is None and time.time() < deadline, f"{file}: {first.communicate()}"
                time.sleep(0.02)
            staging = sorted(name for name in os.listdir(run) if name.startswith((".state.new", ".shards")))
            assert len(staging) == 2 and staging[0].startswith(".state.new.") and staging[1] == staging[0] + ".list", f"{file}: {staging}"
            assert "killed" not in staging[0], f"{file}: the killed merges' leftovers are removed"
            before = snapshot(run)
            second = run_script(found[file], root, dict(ENVIRONMENT, FAKE_MARKS=str(marks), FAKE_WHO="second", HOSTNAME="pod-2",
                                                         AWS_BATCH_JOB_ID="job-2"), stand_in)
            assert second.returncode == 75, f"{file}: {second.returncode}, {second.stderr}"
            assert "another merge holds" in second.stderr and ".merge.lock" in second.stderr, f"{file}: {second.stderr}"
            assert snapshot(run) == before, f"{file}: the second merge changed the run folder"
            gate.touch()
            stdout, stderr = first.communicate(timeout=30)
        finally:
            gate.touch()
            if first.poll() is None:
                first.kill()
                first.wait()
        assert first.returncode == 0, f"{file}: {stderr}"
        assert (run / "state" / "who").read_text() == "first", file
        assert not [name for name in os.listdir(run) if name.startswith((".state.new", ".shards"))], f"{file}: {os.listdir(run)}"
        # The lock is released with the merge: the next one runs.
        again = run_script(found[file], root, dict(ENVIRONMENT, FAKE_MARKS=str(marks), FAKE_WHO="third"), stand_in)
        assert again.returncode == 0 and (run / "state" / "who").read_text() == "third", f"{file}: {again.stderr}"


def test_a_batch_shard_removes_the_scratch_folders_of_killed_jobs_only(stand_in, tmp_path):
    """Left by the session of 2026-12-05: a SIGKILLed AWS Batch shard (its timeout's SIGKILL, the
    container killed) left /scratch/<job id> on an instance its retry did not land on, for good.
    Now each shard job holds a lock (flock) on its folder while it or its authstats lives, and
    at its start removes every /scratch folder whose lock nobody holds: only dead jobs'."""
    script = next(script for file, _, script, _ in scripts() if file == "shard-job-definition.json")
    root = tmp_path / "batch"
    shards = run_root(root)
    scratch, marks = root / "scratch", root / "marks"
    dead = scratch / "job-dead"
    (dead / "state").mkdir(parents=True)  # a SIGKILLed job's, half a state in it
    live = scratch / "job-live"  # a job running in another container on the instance
    live.mkdir()
    (scratch / "a-file").write_text("not a job's folder")
    stale = scratch / ".job-x.7"  # a job killed between making its hidden folder and renaming it
    stale.mkdir()
    os.utime(stale, (time.time() - 120, time.time() - 120))
    young = scratch / ".job-y.7"  # a job between making its hidden folder and locking it
    young.mkdir()
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    running_job = None
    try:
        # Job a: its authstats runs (hangs) while the others start.
        command, env = script_command(script, root, dict(ENVIRONMENT, FAKE_MARKS=str(marks), FAKE_HANG="report",
                                                         AWS_BATCH_JOB_ID="job-a"), stand_in)
        with open(root / "log", "w") as log:  # (not a pipe: its authstats, orphaned below, would hold it open)
            running_job = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while not (marks / "started").exists():
            assert running_job.poll() is None and time.time() < deadline, (root / "log").read_text()
            time.sleep(0.02)
        authstats = int((marks / "started").read_text())
        assert not dead.exists(), "job a removed the dead job's folder"
        # Job b, another shard: runs to the end beside job a, whose folder it keeps.
        other = dict(ENVIRONMENT, FAKE_MARKS=str(marks), AWS_BATCH_JOB_ARRAY_INDEX="1", AWS_BATCH_JOB_ID="job-b")
        (dead / "state").mkdir(parents=True)
        result = run_script(script, root, other, stand_in)
        assert result.returncode == 0, result.stderr
        assert f"removed {dead}" in result.stderr, result.stderr
        assert (shards / "shard-1").is_dir(), "job b published its shard"
        assert sorted(os.listdir(scratch)) == [".job-y.7", "a-file", "job-a", "job-live"], os.listdir(scratch)
        young.rmdir()  # (that job went on: its folder renamed)
        # Job a's shell SIGKILLed (no trap runs): its authstats still holds the lock, the folder stays.
        os.kill(running_job.pid, signal.SIGKILL)
        running_job.wait()
        assert running(authstats)
        assert run_script(script, root, dict(other, AWS_BATCH_JOB_ID="job-c"), stand_in).returncode == 0
        assert sorted(os.listdir(scratch)) == ["a-file", "job-a", "job-live"], os.listdir(scratch)
        # Its authstats killed too: job a is dead, and the next job removes its folder.
        os.kill(authstats, signal.SIGKILL)
        deadline = time.time() + 10
        while running(authstats) and time.time() < deadline:
            time.sleep(0.02)
        result = run_script(script, root, dict(other, AWS_BATCH_JOB_ID="job-d"), stand_in)
        assert result.returncode == 0 and f"removed {scratch / 'job-a'}" in result.stderr, result.stderr
        assert sorted(os.listdir(scratch)) == ["a-file", "job-live"], os.listdir(scratch)
    finally:
        os.close(holder)
        if running_job and running_job.poll() is None:
            running_job.kill()
            running_job.wait()
        if (marks / "started").exists() and running(int((marks / "started").read_text())):
            os.kill(int((marks / "started").read_text()), signal.SIGKILL)
    # The live job ended (its lock released): its folder goes with the next job's start.
    assert run_script(script, root, dict(other, AWS_BATCH_JOB_ID="job-e"), stand_in).returncode == 0
    assert os.listdir(scratch) == ["a-file"]
