#!/usr/bin/env python3
"""authstats on Apache Spark: one reprocessing spread over a cluster, merged exactly.

    spark-submit authstats_spark.py --inputs PATH_OR_S3... --shards N --out OUT

The stages (docs/distributed.md says why each is shaped so):

1. Plan, on the driver. Local inputs: `authstats plan` lists them as `report` would.
   S3 inputs (s3://bucket/prefix): listed here with boto3 into OUT/listing.tsv, in the order
   `report` would walk the same tree, then `authstats plan --listing`. Result: OUT/plan.json.
2. Shards, one Spark task each (`sc.parallelize(range(N), N)`). A task runs
   `authstats report --plan plan.json --shard I --state-horizon none` into a state on the
   executor's local scratch space (after downloading its S3 objects there), copies the state
   to OUT/shards/ under a temporary name and renames it to OUT/shards/shard-I. A retried or
   speculative attempt of a shard that is already in place does nothing, and a loser's
   rename fails: no shard is ever counted twice.
3. Merge, on the driver: `authstats state merge --into OUT/state --states-from LIST` (the
   shard states OUT/shards/shard-*, listed in a file), then
   `authstats report --state OUT/state --out OUT/reports`.

OUT must be a folder that the driver and every executor see (local[N] mode: any folder; a
cluster: a shared file system such as EFS, FSx or an NFS volume). Running again with the same
inputs and N re-runs only the shards not yet in OUT/shards.

Exit status: 0 reports written; 1 reports written, but an input was partial or failed in a
shard or in the final report; 2 a shard, the merge or the report failed (the failing shard's
messages are printed); 64 bad usage, of the driver or of a shard's authstats (that shard is
not retried: it would be refused again; its messages are printed).
"""

import argparse
import ctypes
import hashlib
import concurrent.futures
import errno
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

EXIT_OK, EXIT_PARTIAL, EXIT_FAILED, EXIT_USAGE = 0, 1, 2, 64

# S3 objects a shard downloads at once.
DOWNLOAD_THREADS = 8
# OUT/etags.json: each S3 object's ETag as listed for the plan (url -> ETag).
ETAGS_FILE = "etags.json"

# The shard's own exit statuses that still leave a complete state: 0, and 1 (an input was
# partial or failed; the rest was read, as in a single run).
SHARD_STATE_WRITTEN = (0, 1)

# An attempt's scratch folder: authstats-shard-<shard>-<the task process's PID>-<random>.
SCRATCH_NAME = re.compile(r"authstats-shard-\d+-(\d+)-[a-z0-9_]+")
# prctl(2): signal the calling process when its parent dies (Linux).
PR_SET_PDEATHSIG = 1
# Run by setpriv once the death signal is set: exits (as if signalled) unless its parent is still
# the process that started it ($1), which died before the signal was set; then execs the command.
PARENT_CHECK = '[ "$PPID" = "$1" ] || exit 143; shift; exec "$@"'


def fail(message):
    """Stops the driver with exit 2 (nothing written) and `message`: SystemExit of a string is
    exit 1, which the table in docs/distributed.md keeps for reports written (until 2026-12-05
    an empty prefix or a missing bucket exited 1, a caller could take an earlier run's reports
    for this one's)."""
    say(f"error: {message}")
    raise SystemExit(EXIT_FAILED)


def say(message):
    print(f"authstats-spark: {message}", file=sys.stderr, flush=True)


class Usage(argparse.ArgumentParser):
    """argparse, with authstats's exit status for bad usage (64, not argparse's 2)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def parse_arguments(argv):
    parser = Usage(
        prog="authstats_spark.py",
        description="Run one authstats reprocessing as N Spark tasks (one per shard of the inputs) "
        "and merge their states into one set of reports, equal to a single run's.",
        epilog="Exit status: 0 reports written; 1 reports written but an input was partial or failed; "
        "2 a shard, the merge or the report failed; 64 bad usage. See deploy/spark/README.md.",
    )
    parser.add_argument("--inputs", nargs="+", required=True, metavar="PATH_OR_S3",
                        help="local files or folders (on a path every executor sees), or s3://bucket/prefix URLs; not both kinds")
    parser.add_argument("--shards", type=int, required=True, metavar="N", help="number of shards, one Spark task each")
    parser.add_argument("--out", required=True, metavar="OUT",
                        help="output folder on a file system shared by the driver and the executors: "
                        "plan.json, shards/, state/, reports/")
    parser.add_argument("--authstats", default=None, metavar="BIN",
                        help="the authstats binary on the driver (default: authstats on PATH); shipped to the executors with the job")
    parser.add_argument("--authstats-on-executors", default=None, metavar="PATH",
                        help="the binary's path on the executors when it is installed there (then nothing is shipped)")
    parser.add_argument("--timezone", default="UTC", metavar="ZONE", help="IANA time zone of the reports (default UTC)")
    parser.add_argument("--scratch", default=None, metavar="DIR",
                        help="local folder on each executor for a shard's state and downloaded objects (default: the temporary folder)")
    parser.add_argument("--s3-endpoint", default=None, metavar="URL", help="S3 endpoint URL (an S3-compatible server); default: AWS's")
    args = parser.parse_args(argv)
    if args.shards < 1:
        parser.error(f"--shards {args.shards}: give 1 or more")
    kinds = {is_s3(path) for path in args.inputs}
    if len(kinds) > 1:
        parser.error("--inputs: give either local paths or s3:// URLs, not both")
    args.s3 = kinds == {True}
    for url in args.inputs if args.s3 else []:
        if not split_s3(url)[0]:
            parser.error(f"--inputs {url}: an S3 URL is s3://bucket or s3://bucket/prefix")
    args.authstats = args.authstats or shutil.which("authstats")
    if not args.authstats or not os.access(args.authstats, os.X_OK):
        parser.error("the authstats binary was not found: give --authstats BIN (or put authstats on PATH)")
    args.authstats = os.path.abspath(args.authstats)
    # The zone checked here, by the binary that will use it (it takes what Foundation takes:
    # GMT+2 too), not by every shard task after its downloads (exit 2 after retries).
    problem = zone_problem(args.authstats, args.timezone)
    if problem:
        parser.error(f"--timezone {args.timezone}: {problem}")
    return args


def zone_problem(binary, zone):
    """Why authstats refuses `zone`, or None. `report --timezone=ZONE` of an empty input, without
    the AUTHSTATS_* variables (they are the shards' business): a zone it does not know is a usage
    error naming it, before anything is read."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AUTHSTATS_")}
    with tempfile.TemporaryDirectory(prefix="authstats-zone-") as folder:
        result = run_dying_with_parent([binary, "report", f"--timezone={zone}", "--out", os.path.join(folder, "out"),
                                        "--no-html", "--quiet", os.devnull], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       env=environment, timeout=120)
    message = result.stderr.decode("utf-8", "replace")
    if result.returncode != EXIT_USAGE or "Unknown time zone" not in message:
        return None
    return next(line for line in message.splitlines() if "Unknown time zone" in line).removeprefix("Error: ")


# The authstats command lines (the deploy/ manifests run the same; Tests/Spark checks it)

def plan_command(binary, shards, plan, inputs=(), listing=None):
    command = [binary, "plan", "--shards", str(shards), "--out", plan]
    return command + (["--listing", listing] if listing else list(inputs))


def shard_command(binary, plan, shard, state, timezone, reports):
    """One shard's partial state: event-level detail for all its days (no horizon), so that
    duplicates, sessions and first days across shards merge exactly."""
    return [binary, "report", "--plan", plan, "--shard", str(shard), "--state", state, "--state-horizon", "none",
            "--timezone", timezone, "--out", reports, "--no-html", "--progress", "none"]


def merge_command(binary, into, states_list):
    # The states listed in a file: tens of thousands of paths as arguments exceed the
    # system's limit on a command line (E2BIG: the merge would never start).
    return [binary, "state", "merge", "--into", into, "--states-from", states_list]


def report_command(binary, state, timezone, reports):
    return [binary, "report", "--state", state, "--timezone", timezone, "--out", reports]


# S3 listing (driver)

def is_s3(path):
    return path.startswith("s3://")


def split_s3(url):
    """s3://bucket/some/key -> ("bucket", "some/key")."""
    bucket, _, key = url[len("s3://"):].partition("/")
    return bucket, key


def s3_client(endpoint):
    import boto3  # only S3 runs need it, on the driver and the executors

    return boto3.client("s3", endpoint_url=endpoint)


def walk_order(relative_key):
    """The order `report` walks a folder tree in: component by component, by bytes."""
    return [part.encode("utf-8") for part in relative_key.split("/")]


def list_s3(urls, endpoint, etags=None):
    """[(s3 url, size)] for the inputs, in the order `report` would read the same tree; each
    object's ETag into `etags` (url -> ETag) when it is given.

    A URL that names an object is that object; any other is a folder (its prefix with a
    trailing /), walked like a local one: every object below it, hidden names (a component
    starting with .) and folder markers skipped, sorted component by component. An object
    reached twice is listed once, the first time.
    """
    import botocore.exceptions

    try:
        return list_s3_objects(urls, endpoint, etags)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        fail(f"listing {' '.join(urls)}: {error}")


def list_s3_objects(urls, endpoint, etags):
    import botocore.exceptions

    client = s3_client(endpoint)
    pages = client.get_paginator("list_objects_v2")
    listing, seen = [], set()
    for url in urls:
        bucket, key = split_s3(url)
        found = []
        if key and not key.endswith("/"):
            try:
                head = client.head_object(Bucket=bucket, Key=key)
                found = [(key, head["ContentLength"], "", head.get("ETag"))]
            except botocore.exceptions.ClientError:  # not an object: a folder
                key += "/"
        if not found:
            for page in pages.paginate(Bucket=bucket, Prefix=key):
                for item in page.get("Contents", []):
                    relative = item["Key"][len(key):]
                    if not relative or relative.endswith("/"):
                        continue
                    if any(part.startswith(".") for part in relative.split("/")):
                        continue
                    found.append((item["Key"], item["Size"], relative, item.get("ETag")))
            if not found:
                fail(f"no objects under {url}")
            found.sort(key=lambda entry: walk_order(entry[2]))
        for object_key, size, _, etag in found:
            path = f"s3://{bucket}/{object_key}"
            if path not in seen:
                seen.add(path)
                listing.append((path, size))
                if etags is not None and etag:
                    etags[path] = etag
    return listing


# Plan (driver)

def run_authstats(command, what):
    """Runs an authstats command on the driver; its messages go to stderr as they come. It dies
    with the driver (dying_with_parent: until 2026-12-06 a merge ran on, orphaned)."""
    say("running " + shlex.join(command))
    try:
        status = run_dying_with_parent(command).returncode
    except OSError as error:  # no such binary, or an argument list too long
        say(f"error: {what} could not run: {error}")
        return EXIT_FAILED
    if status not in (EXIT_OK, EXIT_PARTIAL):
        say(f"error: {what} failed (exit {status})")
    return status


def make_plan(args, out):
    plan_path = os.path.join(out, "plan.json")
    if args.s3:
        listing_path = os.path.join(out, "listing.tsv")
        etags = {}
        listing = list_s3(args.inputs, args.s3_endpoint, etags)
        # Each object's ETag as listed: a shard downloads that version or fails (If-Match).
        with open(os.path.join(out, ETAGS_FILE), "w", encoding="utf-8") as file:
            json.dump(etags, file)
        with open(listing_path, "w", encoding="utf-8") as file:
            for path, size in listing:
                if "\n" in path:
                    fail(f"{path!r}: an object key with a line break cannot be planned")
                file.write(f"{path}\t{size}\n")
        command = plan_command(args.authstats, args.shards, plan_path, listing=listing_path)
    else:
        command = plan_command(args.authstats, args.shards, plan_path, inputs=[os.path.abspath(p) for p in args.inputs])
        if os.path.exists(os.path.join(out, ETAGS_FILE)):  # an earlier S3 run's
            os.remove(os.path.join(out, ETAGS_FILE))
    status = run_authstats(command, "authstats plan")
    if status != EXIT_OK:
        raise SystemExit(EXIT_FAILED if status != EXIT_USAGE else EXIT_USAGE)
    with open(plan_path, encoding="utf-8") as file:
        return plan_path, json.load(file)


def prepare_shards_folder(out, plan_id, timezone):
    """OUT/shards for this plan and these options: kept shards of the same plan and time zone
    are reused (a rerun does only the missing ones), and so are their logs; shards of another
    plan or zone, their logs, and leftovers of killed attempts are removed."""
    shards = os.path.join(out, "shards")
    os.makedirs(shards, exist_ok=True)
    marker = os.path.join(shards, "PLAN")
    # The plan id names the inputs (paths and sizes) and N; the zone is the one option a shard
    # takes that decides its state (another zone's shards would not merge); the S3 objects'
    # ETags as listed tell an object rewritten to the same size (its shard is not reused).
    etags = os.path.join(out, ETAGS_FILE)
    digest = hashlib.sha256(open(etags, "rb").read()).hexdigest()[:16] if os.path.exists(etags) else "-"
    key = f"{plan_id} {timezone} {digest}"
    previous = open(marker, encoding="utf-8").read().strip() if os.path.exists(marker) else None
    for name in os.listdir(shards):
        leftover = name.startswith(".shard-")
        stale = previous != key and name.startswith("shard-")
        leftover = leftover or name.startswith(".old-shard-")
        if leftover or stale:
            shutil.rmtree(os.path.join(shards, name), ignore_errors=True)
    with open(marker, "w", encoding="utf-8") as file:
        file.write(key + "\n")
    logs = os.path.join(out, "logs")
    os.makedirs(logs, exist_ok=True)
    for name in os.listdir(logs):
        # shard-I.<attempt>.stderr of a shard in place says what it read (which input was
        # partial): kept; a failure's note and the logs of shards that run again are not.
        shard = name.split(".")[0]
        # (A partial shard's logs go too: it runs again, ShardJob.__call__.)
        if name.endswith(".failed") or not os.path.isdir(os.path.join(shards, shard)) or ShardJob.partial(os.path.join(shards, shard)):
            os.remove(os.path.join(logs, name))


# One shard (executor)

class ShardFailed(Exception):
    pass


def local_name(key, limit=200):
    """The file name a downloaded object gets: its key's base name, or, past `limit` bytes,
    its start and its extensions (`.json.gz`: what authstats's messages show of it)."""
    name = os.path.basename(key) or "object"
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, extensions = name.partition(".")
    # At most 60 bytes of extensions, whole characters (a 4-byte one counts 4).
    tail = (dot + extensions).encode("utf-8")[-60:].decode("utf-8", "ignore") if dot else ""
    keep = stem.encode("utf-8")[:limit - len(tail.encode("utf-8")) - 1].decode("utf-8", "ignore")
    return keep + "~" + tail


def dies_with_parent():
    """The fallback where setpriv is missing (run_dying_with_parent): a preexec_fn that has the
    child sent SIGTERM when the calling process dies. Python code between fork and exec in a
    process with other threads (a PySpark worker's, the driver's Py4J threads) may deadlock on
    a lock another thread held at the fork (subprocess's documentation): only where there is
    no setpriv. None where prctl is missing (not Linux)."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError, TypeError):
        return None
    parent = os.getpid()

    def preexec():
        # (The signal follows the thread that started the child: it waits in subprocess.run.)
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: no signal would come
            os._exit(128 + signal.SIGTERM)

    return preexec


def setpriv():
    """util-linux's setpriv (Debian: the util-linux package, always installed) if it is here and
    sets a parent-death signal (--pdeathsig, util-linux 2.33 and later), else None. Asked each
    time (a millisecond): a cache would be pickled with the driver's tasks, the driver's answer
    taken for every executor's (and functools.lru_cache's wrapper does not unpickle there)."""
    path = shutil.which("setpriv")
    if not path:
        return None
    try:
        result = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if "--pdeathsig" in result.stdout else None


def dying_with_parent(command, parent=None):
    """(command line, preexec_fn) for subprocess: the command sent SIGTERM when this process (the
    thread that starts it) dies (a task's Python worker SIGKILLed with its executor, or by Spark
    killing the task: a speculative loser, a cancelled job; the driver killed), on which
    authstats removes its temporary files and stops. Until 2026-12-05 it ran on, orphaned.

    With setpriv, no Python code runs between fork and exec: setpriv sets the signal
    (PR_SET_PDEATHSIG) and execs a shell that checks that its parent is still `parent` (this
    process): one that died before the signal was set sends none, and the child exits 143
    instead of running. Without setpriv, dies_with_parent's preexec_fn does the same.
    The command's binary is looked up here: one that is missing is an OSError, as subprocess's."""
    binary = shutil.which(command[0])
    if binary is None:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), command[0])
    tool = setpriv()
    if tool is None:
        return list(command), dies_with_parent()
    parent = os.getpid() if parent is None else parent
    # SIGTERM, not SIGKILL: authstats removes its temporary files on it.
    wrapped = [tool, "--pdeathsig", "TERM", "--", "/bin/sh", "-c", PARENT_CHECK, "authstats-spark", str(parent), binary]
    return wrapped + list(command[1:]), None


def run_dying_with_parent(command, **options):
    """subprocess.run of `command`, which dies with this process (dying_with_parent)."""
    wrapped, preexec = dying_with_parent(command)
    return subprocess.run(wrapped, preexec_fn=preexec, **options)


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def scratch_folder(scratch, shard):
    """A new scratch folder for an attempt of `shard` (SCRATCH_NAME) and a descriptor that holds
    its lock (flock) while the attempt lives; authstats inherits it, so the lock lives as long
    as either. Made under a hidden name and renamed once locked: clean_scratch never sees a live
    attempt's folder unlocked."""
    hidden = tempfile.mkdtemp(prefix=f".authstats-shard-{shard}-{os.getpid()}-", dir=scratch)
    descriptor = os.open(hidden, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a file system without locks: clean_scratch then never removes it
            pass
        work = os.path.join(os.path.dirname(hidden), os.path.basename(hidden)[1:])
        os.rename(hidden, work)
    except BaseException:
        os.close(descriptor)
        shutil.rmtree(hidden, ignore_errors=True)
        raise
    return work, descriptor


def clean_scratch(scratch):
    """Removes the scratch folders of attempts that died without removing them (their task's
    process SIGKILLed), and returns their names. Only those provably stale: the PID in the
    name is no process here, *and* no process holds the folder's lock (the lock protects a
    live attempt whose PID means nothing here: another container sharing the folder), as
    authstats does with its own (docs/reliability.md)."""
    try:
        names = os.listdir(scratch)
    except OSError:
        return []
    removed = []
    for name in names:
        match = SCRATCH_NAME.fullmatch(name)
        if not match or process_exists(int(match.group(1))):
            continue
        path = os.path.join(scratch, name)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held (alive), or no locks here (not provably stale)
            os.close(descriptor)
            continue
        shutil.rmtree(path, ignore_errors=True)
        os.close(descriptor)
        removed.append(name)
    return removed


class ShardJob:
    """What every task needs, shipped to the executors with the task (picklable)."""

    def __init__(self, args, out, plan_path, binary_name):
        self.out = out
        self.plan_path = plan_path
        self.s3 = args.s3
        self.s3_endpoint = args.s3_endpoint
        self.timezone = args.timezone
        self.scratch = args.scratch
        self.installed_binary = args.authstats_on_executors
        self.binary_name = binary_name
        etags = os.path.join(out, ETAGS_FILE)
        self.etags = {}
        if args.s3 and os.path.exists(etags):
            with open(etags, encoding="utf-8") as file:
                self.etags = json.load(file)

    def binary(self, work):
        """The authstats binary on this executor: installed, or shipped with the job."""
        if self.installed_binary:
            return self.installed_binary
        from pyspark import SparkFiles

        shipped = SparkFiles.get(self.binary_name)
        if os.access(shipped, os.X_OK):
            return shipped
        # A shipped file may lose its executable bit: run a copy that has it.
        copy = os.path.join(work, self.binary_name)
        shutil.copyfile(shipped, copy)
        os.chmod(copy, 0o755)
        return copy

    def localized_plan(self, shard, work):
        """For S3 inputs: downloads the shard's objects into `work` and returns a copy of the
        plan whose paths for this shard are the local copies (same id, shards and indexes)."""
        with open(self.plan_path, encoding="utf-8") as file:
            plan = json.load(file)
        import botocore.exceptions

        client = s3_client(self.s3_endpoint)  # boto3 clients may be shared between threads

        def download(entry):
            bucket, key = split_s3(entry["path"])
            # Named by index (a key may hold ".." or be long); the base name keeps its extensions,
            # cut to what a file system takes (a 300-byte name failed every attempt until 2026-12-05).
            local = os.path.join(work, "objects", str(entry["index"]), local_name(key))
            os.makedirs(os.path.dirname(local), exist_ok=True)
            etag = self.etags.get(entry["path"])

            def unchanged():
                """The object is still the version listed (If-Match on its ETag), or the shard fails."""
                if not etag:
                    return
                try:
                    client.head_object(Bucket=bucket, Key=key, IfMatch=etag)
                except botocore.exceptions.ClientError as error:
                    # 412 (S3), or 404 (gone; moto's server answers a HEAD whose If-Match fails so too).
                    if str(error.response.get("Error", {}).get("Code", "")) in ("412", "PreconditionFailed", "404", "NoSuchKey", "NotFound"):
                        raise ShardFailed(f"{entry['path']} is not the object it was planned with (gone, or its ETag is no "
                                          f"longer {etag}): it changed since it was listed; run again (a new plan)") from None
                    raise

            # Checked before and after the download (download_file takes no If-Match; it fetches a
            # large object in ranged parts): an object rewritten since the listing, even to the
            # same size, fails, unless it was rewritten and restored during the download.
            try:
                unchanged()
                client.download_file(bucket, key, local)
                unchanged()
            except ShardFailed:
                raise
            except Exception as error:
                # Named, with the cause a retrying transfer keeps (until 2026-12-07 the shard failed
                # with "RetriesExceededError: Max Retries Exceeded" and no object, nor why).
                cause = getattr(error, "last_exception", None)
                why = f"{type(error).__name__}: {error}" + (f" (last: {type(cause).__name__}: {cause})" if cause else "")
                raise ShardFailed(f"{entry['path']} could not be downloaded: {why}") from None
            size = os.path.getsize(local)
            if size != entry["size"]:
                raise ShardFailed(f"{entry['path']} is {size} bytes, not the {entry['size']} it was planned with: "
                                  "it changed since it was listed; run again (a new plan)")
            return local

        mine = [entry for entry in plan["inputs"] if entry["shard"] == shard]
        copies = []
        # Several downloads at once: an object's latency, not the bandwidth, bounds small objects.
        with concurrent.futures.ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
            for entry, local in zip(mine, pool.map(download, mine)):
                copies.append((local, entry["path"]))
                entry["path"] = local
        path = os.path.join(work, "plan.json")
        with open(path, "w", encoding="utf-8") as file:
            json.dump(plan, file)
        return path, copies

    def __call__(self, shard):
        shards_folder = os.path.join(self.out, "shards")
        final = os.path.join(shards_folder, f"shard-{shard}")
        # What attempts killed on this machine left (a lost executor's objects and state).
        scratch = self.scratch or tempfile.gettempdir()
        removed = clean_scratch(scratch)
        if removed:
            say(f"removed what killed attempts left in {scratch}: {', '.join(removed)}")
        # An earlier attempt (or run) put it in place; one that read an input only in part or
        # not at all (exit 1) runs again, and stays in place until the new copy replaces it (a
        # passing problem, an input moved for a while, stayed in every later run's reports
        # until 2026-12-05, its shard reused).
        if os.path.isdir(final) and not self.partial(final):
            return self.status_of(final, shard, reused=True)
        started = time.time()
        attempt = uuid.uuid4().hex[:12]
        failed_log = os.path.join(self.out, "logs", f"shard-{shard}.failed")
        work, lock = scratch_folder(scratch, shard)
        temporary = os.path.join(shards_folder, f".shard-{shard}.{attempt}")
        try:
            plan, copies = self.localized_plan(shard, work) if self.s3 else (self.plan_path, [])
            state = os.path.join(work, "state")
            command = shard_command(self.binary(work), plan, shard, state, self.timezone, os.path.join(work, "reports"))
            # Spilled runs go to the executor's scratch space too.
            environment = dict(os.environ, TMPDIR=work)
            # authstats dies with this task's process, and holds its folder's lock while it lives.
            result = run_dying_with_parent(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
                                           pass_fds=(lock,))
            stderr = result.stderr.decode("utf-8", "replace")
            if copies and result.returncode != EXIT_OK:
                # authstats names the local copies, which are gone with the scratch space: which
                # object each was (until 2026-12-05 the plan's indexes had to be looked up).
                stderr += "authstats-spark: the local copies named above are these objects:\n" + "".join(
                    f"  {local} = {url}\n" for local, url in copies)
            with open(os.path.join(self.out, "logs", f"shard-{shard}.{attempt}.stderr"), "w", encoding="utf-8") as file:
                file.write(stderr)
            if result.returncode < 0:  # the out-of-memory killer, a preempted machine
                raise ShardFailed(f"authstats was killed by {signal.Signals(-result.returncode).name}:\n{stderr}")
            if result.returncode == EXIT_USAGE:
                # Bad usage (a plan or an option the shard's binary refuses) gives the same on
                # every attempt: the task ends normally saying so, and run_shards stops with 64.
                # Until 2026-12-06 it raised, and Spark retried it (downloads and run again, up
                # to spark.task.maxFailures times) before the driver exited 2.
                with open(failed_log, "w", encoding="utf-8") as file:
                    file.write(f"authstats exited with status {EXIT_USAGE} (bad usage), not retried:\n{stderr}")
                return {"shard": shard, "exit": EXIT_USAGE, "seconds": round(time.time() - started, 3),
                        "attempt": attempt, "host": os.uname().nodename, "reused": False, "stderr": stderr}
            if result.returncode not in SHARD_STATE_WRITTEN:
                raise ShardFailed(f"authstats exited with status {result.returncode}:\n{stderr}")
            status = {"shard": shard, "exit": result.returncode, "seconds": round(time.time() - started, 3),
                      "attempt": attempt, "host": os.uname().nodename}
            with open(os.path.join(state, "authstats-spark.json"), "w", encoding="utf-8") as file:
                json.dump(status, file)
            # Copied under a temporary name, then renamed: OUT/shards/shard-I is whole or absent.
            shutil.copytree(state, temporary)
            old = None
            if os.path.isdir(final) and self.partial(final):
                old = os.path.join(shards_folder, f".old-shard-{shard}.{attempt}")
                try:
                    os.rename(final, old)
                except OSError:
                    old = None
            try:
                os.rename(temporary, final)
            except OSError as error:
                if old:  # the partial shard back in place
                    try:
                        os.rename(old, final)
                    except OSError:
                        shutil.rmtree(old, ignore_errors=True)
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not os.path.isdir(final):
                    raise
                # Another attempt of this shard (speculative, or retried) got there first.
                shutil.rmtree(temporary, ignore_errors=True)
                return self.status_of(final, shard, reused=True)
            if old:
                shutil.rmtree(old, ignore_errors=True)
            return dict(status, reused=False)
        except Exception as error:
            shutil.rmtree(temporary, ignore_errors=True)
            message = str(error) if isinstance(error, ShardFailed) else f"{type(error).__name__}: {error}"
            with open(failed_log, "w", encoding="utf-8") as file:
                file.write(message)
            raise ShardFailed(f"shard {shard}: {message}") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
            os.close(lock)

    @staticmethod
    def status_of(final, shard, reused):
        try:
            with open(os.path.join(final, "authstats-spark.json"), encoding="utf-8") as file:
                return dict(json.load(file), reused=reused)
        except OSError:
            return {"shard": shard, "exit": EXIT_OK, "seconds": 0, "reused": reused}
        except ValueError:  # damaged: not known to be whole, so run again (partial)
            return {"shard": shard, "exit": EXIT_PARTIAL, "seconds": 0, "reused": reused}

    @staticmethod
    def partial(final):
        """Whether the shard in place read an input only in part or not at all (exit 1)."""
        return os.path.isdir(final) and ShardJob.status_of(final, None, reused=True)["exit"] != EXIT_OK


def run_shards(args, out, plan_path, plan):
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName(f"authstats plan {plan['id']}").getOrCreate()
    context = spark.sparkContext
    context.setLogLevel("WARN")
    binary_name = os.path.basename(args.authstats)
    if not args.authstats_on_executors:
        context.addFile(args.authstats)
    job = ShardJob(args, out, plan_path, binary_name)
    shards = plan["shards"]
    try:
        started = time.time()
        results = context.parallelize(range(shards), shards).map(job).collect()
        # Shards whose authstats refused its usage (not retried, ShardJob.__call__): nothing to
        # merge, and the run's status is theirs.
        refused = sorted((result for result in results if result["exit"] == EXIT_USAGE), key=lambda r: r["shard"])
        for result in refused:
            say(f"error: shard {result['shard']}: bad usage (exit {EXIT_USAGE}), not retried:\n{result['stderr'].rstrip()}")
        if refused:
            raise SystemExit(EXIT_USAGE)
        return results, time.time() - started
    except Exception as error:  # Py4J's wrapper of the task's failure
        failed = sorted(name for name in os.listdir(os.path.join(out, "logs")) if name.endswith(".failed"))
        told = False
        for name in failed:
            shard = name[len("shard-"):-len(".failed")]
            if not os.path.isdir(os.path.join(out, "shards", f"shard-{shard}")):
                with open(os.path.join(out, "logs", name), encoding="utf-8") as file:
                    say(f"error: shard {shard} failed: {file.read().rstrip()}")
                told = True
        # (A shard that failed once and then succeeded left a note; the job failed for another
        # reason, a worker killed, which said nothing until 2026-12-05.)
        if not told:
            say(f"error: the Spark job failed: {error}")
        raise SystemExit(EXIT_FAILED)
    finally:
        spark.stop()


# Merge and report (driver)

def merge_and_report(args, out, shards):
    shard_states = [os.path.join(out, "shards", f"shard-{i}") for i in range(shards)]
    # Merged into a new folder, which then replaces OUT/state: a state left by an earlier run
    # is never merged into again (that would count its shards twice).
    merged = os.path.join(out, f".state.{uuid.uuid4().hex[:12]}")
    listed = merged + ".list"
    with open(listed, "w") as file:
        file.writelines(path + "\n" for path in shard_states)
    try:
        status = run_authstats(merge_command(args.authstats, merged, listed), "authstats state merge")
    finally:
        os.remove(listed)
    if status != EXIT_OK:
        shutil.rmtree(merged, ignore_errors=True)
        raise SystemExit(EXIT_FAILED)
    # Reported from the new state before it replaces OUT/state: a report that fails leaves the
    # earlier run's state and reports as they were.
    reports = os.path.join(out, "reports")
    status = run_authstats(report_command(args.authstats, merged, args.timezone, reports), "authstats report --state")
    if status not in (EXIT_OK, EXIT_PARTIAL):
        shutil.rmtree(merged, ignore_errors=True)
        return status, reports
    state = os.path.join(out, "state")
    if os.path.exists(state):
        old = os.path.join(out, f".state.old.{uuid.uuid4().hex[:12]}")
        os.rename(state, old)
        os.rename(merged, state)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(merged, state)
    return status, reports


def main(argv=None):
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    plan_path, plan = make_plan(args, out)
    prepare_shards_folder(out, plan["id"], args.timezone)
    results, shard_seconds = run_shards(args, out, plan_path, plan)
    started = time.time()
    status, reports = merge_and_report(args, out, plan["shards"])
    merge_seconds = time.time() - started
    partial = [result["shard"] for result in results if result["exit"] == EXIT_PARTIAL]
    if partial:
        which = f"shard {partial[0]}" if len(partial) == 1 else f"shards {', '.join(map(str, partial))}"
        say(f"warning: {which} read an input only in part or not at all (see {out}/logs)")
    with open(os.path.join(out, "run.json"), "w", encoding="utf-8") as file:
        json.dump({"plan": plan["id"], "shards": sorted(results, key=lambda r: r["shard"]),
                   "shard_job_seconds": round(shard_seconds, 3), "merge_report_seconds": round(merge_seconds, 3)},
                  file, indent=1)
    if status not in (EXIT_OK, EXIT_PARTIAL):
        return EXIT_FAILED
    say(f"reports in {reports} ({plan['shards']} shards in {shard_seconds:.1f} s, merge and report {merge_seconds:.1f} s)")
    return EXIT_PARTIAL if partial or status == EXIT_PARTIAL else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
