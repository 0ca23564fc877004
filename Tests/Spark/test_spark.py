"""The Spark driver end to end (issue 16): generated exports reported by one plain
`authstats report` and by `authstats_spark.py` in local[2] mode over 3 shards, locally and
through an S3 server on loopback (moto), give the same reports, byte for byte, apart from
summary.json's run fields."""

import json
import os
import re
import subprocess

from conftest import driver_messages, upload

# What describes the last run rather than the data (issue 15: "summary.json's run fields and
# per-input entries"): a report from the state alone read no input.
RUN_FIELDS = ("generated_at", "inputs", "shard_runs")
# The shards' ledgers skip the copy of a file (by content) that a run without a state reads and
# counts as duplicates (docs/state.md "The invariant"): one input, its records and duplicates
# fewer. Skips and rejects (the shard runs', docs/distributed.md "Rejects and read totals") are
# compared.
RUN_TOTALS = ("inputs", "records", "events", "duplicates")
# report.html's section of the same per-input entries and run totals.
INPUTS_SECTION = re.compile(r'<section id="inputs">.*?</section>', re.S)


def plain_report(authstats, exports, timezone, out):
    result = subprocess.run([authstats, "report", exports, "--timezone", timezone, "--out", out, "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


def report_files(folder):
    found = []
    for directory, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(directory, name), folder) for name in names]
    return sorted(found)


def without_run_fields(path):
    with open(path, encoding="utf-8") as file:
        summary = json.load(file)
    for field in RUN_FIELDS:
        summary.pop(field, None)
    for field in RUN_TOTALS:
        summary["totals"].pop(field, None)
    return summary


def assert_same_reports(expected, actual):
    assert report_files(actual) == report_files(expected)
    for name in report_files(expected):
        left, right = os.path.join(expected, name), os.path.join(actual, name)
        if name == "summary.json":
            assert without_run_fields(right) == without_run_fields(left), name
            continue
        with open(left, "rb") as a, open(right, "rb") as b:
            mine, theirs = b.read(), a.read()
        if name.endswith("report.html"):
            mine, theirs = (INPUTS_SECTION.sub("", text.decode("utf-8")) for text in (mine, theirs))
        assert mine == theirs, f"{name} differs from a single run's"


def test_local_inputs_three_shards_equal_one_run(authstats, spark_submit, exports, tmp_path):
    timezone = "America/Los_Angeles"
    expected = plain_report(authstats, exports, timezone, str(tmp_path / "plain"))
    out = str(tmp_path / "spark")
    result = spark_submit(["--inputs", exports, "--shards", "3", "--out", out, "--authstats", authstats,
                           "--timezone", timezone, "--scratch", str(tmp_path)])
    assert result.returncode == 0, driver_messages(result)
    assert_same_reports(expected, os.path.join(out, "reports"))
    print(f"\nSpark driver, local inputs, 3 shards: {result.seconds:.1f} s")


def test_s3_inputs_three_shards_equal_one_run(authstats, spark_submit, exports, s3_server, tmp_path):
    timezone = "Asia/Kolkata"
    expected = plain_report(authstats, exports, timezone, str(tmp_path / "plain"))
    upload(exports, s3_server, "archive", "cognito/exports")
    out = str(tmp_path / "spark")
    result = spark_submit(["--inputs", "s3://archive/cognito/exports", "--shards", "3", "--out", out, "--authstats", authstats,
                           "--timezone", timezone, "--scratch", str(tmp_path), "--s3-endpoint", s3_server])
    assert result.returncode == 0, driver_messages(result)
    assert_same_reports(expected, os.path.join(out, "reports"))
    print(f"\nSpark driver, S3 inputs, 3 shards: {result.seconds:.1f} s")
