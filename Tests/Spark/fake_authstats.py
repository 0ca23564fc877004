#!/usr/bin/env python3
"""A stand-in for authstats's state commands, to test the Spark driver's mechanics alone
(which shard reads which file, once; a failed shard; a rerun) without issue 15's state.

- `plan …`, and `report` of neither a plan nor a state (the driver's check of --timezone):
  the real authstats (REAL_AUTHSTATS).
- `report --plan P --shard I --state DIR …`: DIR/files.tsv, a line `index<TAB>path<TAB>sha256`
  per file of shard I (the file's content hashed). FAKE_FAIL_SHARD=I makes shard I exit 2;
  FAKE_KILL_SHARD=I kills it (SIGKILL) with its state half made; FAKE_PARTIAL_SHARD=I makes
  it exit 1 (an input read in part) with its state whole; FAKE_HANG_SHARD=I makes it write
  its PID to DIR/pid and wait (a minute) to be killed; FAKE_USAGE_SHARD=I makes it refuse its
  usage (exit 64, no state), and each of its runs append a line to the file FAKE_ATTEMPTS_FILE
  names, if it is set (a test counts the attempts).
- `state merge --into DIR S… [--states-from LIST]`: DIR/files.tsv, the lines of every S, sorted by index; a
  missing S is refused (exit 2). FAKE_HANG_MERGE=FILE makes it write its PID to FILE and wait
  (a minute) to be killed.
- `report --state DIR --out OUT`: OUT/files.tsv, a copy.
"""

import hashlib
import json
import os
import signal
import sys
import time


def value(arguments, name):
    return arguments[arguments.index(name) + 1]


def main(arguments):
    # `plan`, and the driver's check of --timezone (a `report` of an empty input): the real one.
    if arguments[0] == "plan" or (arguments[0] == "report" and "--plan" not in arguments and "--state" not in arguments):
        os.execv(os.environ["REAL_AUTHSTATS"], [os.environ["REAL_AUTHSTATS"]] + arguments)
    if arguments[:2] == ["state", "merge"]:
        if os.environ.get("FAKE_HANG_MERGE"):
            with open(os.environ["FAKE_HANG_MERGE"] + ".tmp", "w") as file:
                file.write(str(os.getpid()))
            os.rename(os.environ["FAKE_HANG_MERGE"] + ".tmp", os.environ["FAKE_HANG_MERGE"])
            time.sleep(60)
            return 2
        into = value(arguments, "--into")
        states = [a for i, a in enumerate(arguments[2:], 2) if not a.startswith("--") and arguments[i - 1] not in ("--into", "--states-from")]
        if "--states-from" in arguments:
            with open(value(arguments, "--states-from")) as file:
                states += [line.rstrip("\n") for line in file if line.strip()]
        lines = []
        for state in states:
            if not os.path.isdir(state):
                print(f"authstats: error: shard state {state} is missing", file=sys.stderr)
                return 2
            with open(os.path.join(state, "files.tsv")) as file:
                lines += file.readlines()
        os.makedirs(into)
        with open(os.path.join(into, "files.tsv"), "w") as file:
            file.writelines(sorted(lines, key=lambda line: int(line.split("\t")[0])))
        return 0
    if arguments[0] == "report" and "--plan" in arguments:
        shard = int(value(arguments, "--shard"))
        if os.environ.get("FAKE_USAGE_SHARD") == str(shard):
            if os.environ.get("FAKE_ATTEMPTS_FILE"):
                with open(os.environ["FAKE_ATTEMPTS_FILE"], "a") as file:
                    file.write(f"{shard}\t{os.getpid()}\n")
            print(f"authstats: error: bad usage on shard {shard}", file=sys.stderr)
            return 64
        if os.environ.get("FAKE_FAIL_SHARD") == str(shard):
            print(f"authstats: error: boom on shard {shard}", file=sys.stderr)
            return 2
        if os.environ.get("FAKE_KILL_SHARD") == str(shard):
            os.makedirs(value(arguments, "--state"))  # killed halfway through its state
            os.kill(os.getpid(), signal.SIGKILL)
        if os.environ.get("FAKE_HANG_SHARD") == str(shard):
            state = value(arguments, "--state")
            os.makedirs(state)
            with open(os.path.join(state, "pid.tmp"), "w") as file:
                file.write(str(os.getpid()))
            os.rename(os.path.join(state, "pid.tmp"), os.path.join(state, "pid"))
            time.sleep(60)
            return 2
        with open(value(arguments, "--plan")) as file:
            plan = json.load(file)
        state = value(arguments, "--state")
        os.makedirs(state)
        with open(os.path.join(state, "files.tsv"), "w") as out:
            for entry in plan["inputs"]:
                if entry["shard"] == shard:
                    with open(entry["path"], "rb") as file:
                        digest = hashlib.sha256(file.read()).hexdigest()
                    out.write(f"{entry['index']}\t{entry['path']}\t{digest}\n")
        if os.environ.get("FAKE_PARTIAL_SHARD") == str(shard):
            print(f"authstats: warning: {entry['path']}: partial: truncated gzip input", file=sys.stderr)
            return 1
        return 0
    if arguments[0] == "report" and "--state" in arguments:
        reports = value(arguments, "--out")
        os.makedirs(reports, exist_ok=True)
        with open(os.path.join(value(arguments, "--state"), "files.tsv")) as source:
            with open(os.path.join(reports, "files.tsv"), "w") as target:
                target.write(source.read())
        return 0
    print(f"fake authstats: unexpected arguments {arguments}", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
