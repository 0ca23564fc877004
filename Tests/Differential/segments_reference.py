#!/usr/bin/env python3
"""An independent oracle for segments (issue 13; SegmentOracleTests.swift).

    segments_reference.py INPUT_FOLDER USERS_FILE AUTHSTATS_OUT
        [--segments FILE] [--timezone ZONE] [--from DATE] [--to DATE]
        [--session-timeout MINUTES] [--share-user-data] [--newest-event DATE] [--quiet]

Reads every export under INPUT_FOLDER, the list-users directory USERS_FILE and the segment
definitions (default INPUT_FOLDER/segments.json), computes what `authstats report
INPUT_FOLDER --users USERS_FILE --segments FILE --out AUTHSTATS_OUT` (with the same options)
must write to segments.csv, segment_daily.csv and the member exports segments/<file>.csv,
prints it, compares it with what authstats wrote, and exits 1 with a diff on any difference
(0 when all agree; 2 on bad usage).

Naive and independent on purpose: written from the documents only, straight Python 3
(stdlib only), no code shared with the Swift implementation, whose code was read for one
point the documents leave open only (shared-address endpoints, marked where it is used):
- /work/shared/reference/metrics.md §1-§4 (events, kinds, dedup, dimensions), §5 (days),
  §9 (sessions), §11 (segments), and formats.md for the record shapes;
- docs/inputs.md (which records are which kind, CloudWatch `<time> <json>` lines, dedup
  copy order = input order, accepted times);
- docs/segments.md: definitions, matching rules, "Profiles", "Reports", "Member exports";
  docs/reports.md for the files' columns and row order.
Brought up to the documents on 2026-12-07 by a second independent reading (a review that
found it behind them, never authstats): ISO offsets past +23:59 are no offset, address-shaped
attribute values and Demographic/Location cells are withheld in member exports, and VT, FF,
U+0085, U+2028 and U+2029 become spaces in cells as line breaks do.
Nothing here is tuned to make authstats pass: where a document leaves a point open, the
choice made is said in a comment marked OPEN.

Checked against authstats:
- segments.csv: every column (users, active_users_last_day, mau_30d_last_day, sign_ups,
  sign_ins, auth_failures, wau_7d_last_day, sessions, endpoints, file);
- segment_daily.csv: every row;
- each member export: the set of member user ids that have an endpoint (members without one
  have no row, docs/segments.md "Member exports"), and each row's ChannelType, Address, Id,
  User.UserId, demographic columns and attribute columns.
- summary.json totals events/duplicates (a check of this oracle's own reading).
"""

import argparse
import csv
import datetime as dt
import bz2
import gzip
import json
import lzma
import os
import re
import sys
from collections import defaultdict
from zoneinfo import ZoneInfo

DEC = json.JSONDecoder()
# A missing dimension value ("(unknown)") is None throughout.
ACTIVITY_KINDS = {"sign_up", "sign_in", "session", "app"}
AUTH_OPS = {"InitiateAuth", "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge"}
CLOUDWATCH_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}[T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?[ \t]+(?=[{\[])")


# MARK: Reading bytes


def decompress(data):
    """Sniffs the compression (docs/inputs.md "Compression and archives"); layers stack."""
    for _ in range(8):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)  # several members one after another: one stream
        elif data[:6] == b"\xfd7zXZ\x00":
            data = lzma.decompress(data)
        elif data[:3] == b"BZh":
            data = bz2.decompress(data)
        else:
            return data
    return data


def walk(folder, excluded):
    """Depth first, each folder's entries in byte order of their names, dot names skipped."""
    out = []
    for name in sorted(os.listdir(os.fsencode(folder))):
        if name.startswith(b"."):
            continue
        path = os.path.join(os.fsencode(folder), name)
        if os.path.isdir(path):
            out += walk(path, excluded)
        elif os.path.isfile(path) and os.path.realpath(path) not in excluded:
            out.append(path)
    return out


def top_level_records(text):
    """(record, raw text) of each JSON value in a stream: NDJSON, back to back, CloudWatch
    `<time> <json>` lines; a `{"Records":[…]}` file gives its elements (raw text None)."""
    pos, n = 0, len(text)
    if text.startswith("\ufeff"):
        pos = 1
    while True:
        while pos < n and text[pos] in " \t\r\n\x00":
            pos += 1
        if pos >= n:
            return
        m = CLOUDWATCH_PREFIX.match(text, pos)
        if m:
            pos = m.end()
        try:
            value, end = DEC.raw_decode(text, pos)
        except json.JSONDecodeError:
            # Not expected in the sample; counted as a reject, the rest of the line skipped.
            nl = text.find("\n", pos)
            yield ("reject", text[pos : (n if nl < 0 else nl)]), None
            pos = n if nl < 0 else nl
            continue
        raw = text[pos:end]
        pos = end
        if isinstance(value, dict) and isinstance(value.get("Records"), list) and len(value) == 1:
            for r in value["Records"]:
                yield r, None
        else:
            yield value, raw


def member_span(raw, key_path):
    """The raw text of raw[key_path...] (an object member inside an object), or None.
    Walks the members with the decoder's end positions, so the text is exactly as written."""
    text, pos = raw, 0
    for key in key_path:
        while text[pos] in " \t\r\n":
            pos += 1
        if text[pos] != "{":
            return None
        pos += 1
        found = None
        while True:
            while text[pos] in " \t\r\n,":
                pos += 1
            if text[pos] == "}":
                break
            name, pos = DEC.raw_decode(text, pos)
            while text[pos] in " \t\r\n:":
                pos += 1
            start = pos
            _, pos = DEC.raw_decode(text, pos)
            if name == key:
                found = (start, pos)  # the last one wins, as json.loads does
        if found is None:
            return None
        text, pos = text[found[0] : found[1]], 0
    return text


# MARK: Normalized events (metrics.md §1-§4)


def get(obj, *path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def text(value, activity_log=False):
    """A dimension value: missing, non-string or empty is unknown (in the activity log also "null")."""
    if not isinstance(value, str) or value == "":
        return None
    if activity_log and value == "null":
        return None
    return value


def first(*values):
    for v in values:
        if v is not None:
            return v
    return None


def normalize_locale(value):
    """ll_CC (docs/metrics.md "Dimensions"): `-` read as `_`, language lower, region upper,
    a four-letter script capitalised, other parts as they are."""
    if value is None:
        return None
    parts = value.replace("-", "_").split("_")
    out = [parts[0].lower()]
    for p in parts[1:]:
        if len(p) == 2 or (len(p) == 3 and p.isalpha()):
            out.append(p.upper())
        elif len(p) == 4:
            out.append(p[:1].upper() + p[1:].lower())
        else:
            out.append(p)
    return "_".join(out)


def lower(value):
    return None if value is None else value.lower()


def whole_ms(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def parse_iso(value, date_alone_ok=False):
    """An ISO-8601 instant in ms (Z, an offset, or for CloudTrail no zone = UTC)."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?)?", value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    if h is None and not date_alone_ok:
        return None
    try:
        base = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    ms = int(base.timestamp()) * 1000 + (int((frac or "0")[:3].ljust(3, "0")))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        ms -= sign * (int(digits[:2]) * 60 + int(digits[2:])) * 60000
    return ms


class Event:
    __slots__ = ("time", "source", "kind", "user", "key", "session_id", "start_ts", "stop_ts",
                 "platform", "locale", "app_version", "country", "make", "model",
                 "endpoint_id", "channel", "address", "ua", "ua_raw", "attrs", "attrs_raw", "day")


def pinpoint_kind(event_type):
    if event_type in ("_userauth.sign_up",):
        return "sign_up"
    if event_type == "_userauth.sign_in":
        return "sign_in"
    if event_type == "_userauth.auth_fail":
        return "auth_failure"
    if event_type in ("_session.start", "_session.stop", "_session.pause", "_session.resume"):
        return "session"
    if event_type.startswith("_monetization.") or not event_type.startswith("_"):
        return "app"
    return "other"


def from_pinpoint(r, raw):
    et = r.get("event_type")
    t = whole_ms(r.get("event_timestamp"))
    if not isinstance(et, str) or et == "" or t is None:
        return "reject"
    e = Event()
    e.time, e.source, e.kind = t, "pinpoint", pinpoint_kind(et)
    client_id = text(get(r, "client", "client_id"))
    e.user = first(text(get(r, "endpoint", "User", "UserId")), client_id)
    e.session_id = text(get(r, "session", "session_id"))
    e.start_ts = whole_ms(get(r, "session", "start_timestamp")) if e.session_id else None
    e.stop_ts = whole_ms(get(r, "session", "stop_timestamp")) if e.session_id else None
    e.key = ("pinpoint", et, t, get(r, "client", "client_id"), e.session_id, e.user)
    e.platform = lower(first(text(get(r, "device", "platform", "name")), text(get(r, "endpoint", "Demographic", "Platform"))))
    e.locale = normalize_locale(first(text(get(r, "device", "locale", "code")), text(get(r, "endpoint", "Demographic", "Locale"))))
    e.app_version = first(text(get(r, "application", "version_name")), text(get(r, "endpoint", "Demographic", "AppVersion")))
    e.country = first(text(get(r, "device", "locale", "country")), text(get(r, "endpoint", "Location", "Country")))
    e.make = first(text(get(r, "device", "make")), text(get(r, "endpoint", "Demographic", "Make")))
    e.model = first(text(get(r, "device", "model")), text(get(r, "endpoint", "Demographic", "Model")))
    e.endpoint_id = first(text(get(r, "endpoint", "Id")), client_id)
    e.channel = text(get(r, "endpoint", "ChannelType"))
    e.address = text(get(r, "endpoint", "Address"))
    ua, a = get(r, "endpoint", "User", "UserAttributes"), get(r, "endpoint", "Attributes")
    e.ua = ua if isinstance(ua, dict) else None
    e.attrs = a if isinstance(a, dict) else None
    e.ua_raw = (member_span(raw, ["endpoint", "User", "UserAttributes"]) or "").encode() if e.ua is not None else b""
    e.attrs_raw = (member_span(raw, ["endpoint", "Attributes"]) or "").encode() if e.attrs is not None else b""
    return e


def plain_event(t, source, kind, user, key):
    e = Event()
    e.time, e.source, e.kind, e.user, e.key = t, source, kind, user, key
    e.session_id = e.start_ts = e.stop_ts = None
    e.platform = e.locale = e.app_version = e.country = e.make = e.model = None
    e.endpoint_id = e.channel = e.address = e.ua = e.attrs = None
    e.ua_raw = e.attrs_raw = b""
    return e


def from_activity(r):
    m = r.get("message") if isinstance(r.get("message"), dict) else {}
    ts = r.get("eventTimestamp")
    t = None
    if isinstance(ts, str) and re.fullmatch(r"-?\d+", ts):
        t = int(ts)
    elif ts is not None:
        t = whole_ms(ts)
    if t is None and ts is None:
        cd = m.get("creationDate")
        mm = re.fullmatch(r"\w{3} (\w{3}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) (UTC|GMT) (\d{4})", cd or "")
        if mm:
            mon = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split().index(mm.group(1)) + 1
            t = int(dt.datetime(int(mm.group(7)), mon, int(mm.group(2)), int(mm.group(3)), int(mm.group(4)),
                                int(mm.group(5)), tzinfo=dt.timezone.utc).timestamp()) * 1000
    etype, resp = text(m.get("eventType"), True), m.get("eventResponse")
    if t is None or etype is None:
        return "reject"
    if etype == "SignUp":
        kind = "sign_up" if resp == "Pass" else "account"
    elif etype == "SignIn":
        kind = {"Pass": "sign_in", "Fail": "auth_failure", "InProgress": "auth_step"}.get(resp, "other")
    else:
        kind = "account"
    user = text(m.get("userSub"), True)
    eid = text(m.get("eventId"), True)
    key = ("activity", eid) if eid else ("activity", etype, resp, t, user, m.get("clientId"))
    e = plain_event(t, "cognito-activity", kind, user, key)
    e.country = text(m.get("country"), True)
    return e


def from_cloudtrail(r):
    if r.get("eventSource") != "cognito-idp.amazonaws.com" or r.get("eventType") == "AwsCloudTrailInsight":
        return "skip"
    t = parse_iso(r.get("eventTime"))
    name = r.get("eventName")
    if t is None or not isinstance(name, str) or name == "":
        return "reject"
    error = isinstance(r.get("errorCode"), str) and r.get("errorCode") != ""
    challenge = text(get(r, "responseElements", "challengeName"))
    if name == "SignUp":
        kind = "account" if error else "sign_up"
    elif name in AUTH_OPS:
        kind = "auth_failure" if error else ("auth_step" if challenge else "sign_in")
    elif name in ("ConfirmSignUp", "ForgotPassword", "ConfirmForgotPassword", "ResendConfirmationCode"):
        kind = "account"
    else:
        kind = "other"
    user = first(text(get(r, "additionalEventData", "sub")), text(get(r, "responseElements", "userSub")))
    eid = text(r.get("eventID"))
    key = ("cloudtrail", eid) if eid else ("cloudtrail", name, t, user, r.get("errorCode"))
    return plain_event(t, "cloudtrail", kind, user, key)


def classify(r, raw):
    """docs/inputs.md "Telling the exports apart": an Event, "skip" or "reject"."""
    if not isinstance(r, dict):
        return "reject"
    if "event_type" in r or "event_timestamp" in r:
        return from_pinpoint(r, raw)
    if r.get("eventSource") == "USER_NOTIFICATION":
        return "skip"
    if r.get("eventSource") == "USER_ACTIVITY" or ("eventTimestamp" in r and get(r, "message", "eventType") is not None):
        return from_activity(r)
    if "eventTime" in r and "eventName" in r and isinstance(r.get("eventSource"), str):
        return from_cloudtrail(r)
    if "digestStartTime" in r:
        return "skip"
    if "rawData" in r and ("attemptsMade" in r or "errorCode" in r):
        return "skip"
    if isinstance(r.get("Users"), list):
        return "skip"
    if "SegmentsResponse" in r or "SegmentResponse" in r:
        return "skip"  # segment definitions met among the inputs are skipped
    return "reject"


def read_events(folder, excluded, oldest_ms, newest_ms, cal):
    """All events after dedup (the first copy in input order counts), plus counts."""
    events, seen = [], set()
    stats = defaultdict(int)
    for path in walk(folder, excluded):
        data = decompress(open(path, "rb").read())
        body = data.decode("utf-8", errors="replace")
        first_line = body.lstrip("\ufeff").split("\n", 1)[0]
        if not first_line.lstrip().startswith(("{", "[")) and "cognito:username" in first_line.split(","):
            stats["skipped"] += body.count("\n")  # a user CSV among the inputs
            continue
        for record, raw in top_level_records(body):
            if isinstance(record, tuple) and record and record[0] == "reject":
                stats["rejected"] += 1
                continue
            if isinstance(record, list):
                stats["skipped"] += 1  # a hand-written segment list (docs/segments.md), not analysed
                continue
            e = classify(record, raw)
            if e == "skip":
                stats["skipped"] += 1
            elif e == "reject" or not (oldest_ms <= e.time < newest_ms):
                stats["rejected"] += 1
            elif (e.key, cal.day(e.time)) in seen:
                # A copy has its record's day: the same key on another day is another event
                # (docs/metrics.md "Duplicates").
                stats["duplicates"] += 1
            else:
                seen.add((e.key, cal.day(e.time)))
                events.append(e)
    stats["events"] = len(events)
    return events, stats


# MARK: The user directory


def read_directory(path):
    """sub -> (attributes {name: [value]}) with cognito:user_status and cognito:enabled."""
    body = decompress(open(path, "rb").read()).decode("utf-8").lstrip("\ufeff")
    users = {}
    pos = 0
    while True:
        while pos < len(body) and body[pos] in " \t\r\n":
            pos += 1
        if pos >= len(body):
            break
        page, pos = DEC.raw_decode(body, pos)
        for u in page.get("Users") or []:
            attrs = {}
            for a in u.get("Attributes") or []:
                if isinstance(a, dict) and isinstance(a.get("Name"), str) and isinstance(a.get("Value"), str):
                    attrs[a["Name"]] = [a["Value"]]
            sub = attrs.get("sub", [None])[0]
            if not sub:
                continue
            if isinstance(u.get("UserStatus"), str):
                attrs["cognito:user_status"] = [u["UserStatus"]]
            if isinstance(u.get("Enabled"), bool):
                attrs["cognito:enabled"] = ["true" if u["Enabled"] else "false"]
            users[sub] = attrs  # a user listed twice keeps the last entry
    return users


# MARK: Days, sessions, profiles


def warn(message):
    """A point the documents leave open met in the data: said, not hidden."""
    print("oracle: WARNING: " + message, file=sys.stderr)


class Calendar:
    def __init__(self, zone):
        self.zone = ZoneInfo(zone)

    def day(self, ms):
        return dt.datetime.fromtimestamp(ms // 1000, self.zone).date()


def sessions_of(events, timeout_ms):
    """metrics.md §9: every session as (user, start_ms), from the whole data."""
    by_user = defaultdict(list)
    for e in events:
        if e.user is not None and e.kind in ACTIVITY_KINDS:
            by_user[e.user].append(e)
    out = []
    for user, evs in by_user.items():
        spans = {}
        for e in evs:
            if e.session_id is None:
                continue
            lo = min(x for x in (e.time, e.start_ts) if x is not None)
            hi = max(x for x in (e.time, e.stop_ts) if x is not None)
            if e.session_id in spans:
                s = spans[e.session_id]
                spans[e.session_id] = (min(s[0], lo), max(s[1], hi))
            else:
                spans[e.session_id] = (lo, hi)
        for sid, (lo, hi) in spans.items():
            out.append((user, lo))
        rest = sorted(e.time for e in evs if e.session_id is None
                      and not any(lo <= e.time <= hi for lo, hi in spans.values()))
        previous = None
        for t in rest:
            if previous is None or t - previous > timeout_ms:
                out.append((user, t))
            previous = t
    return out


class Profile:
    def __init__(self, user):
        self.user = user
        self.attrs = {}  # name -> list of values
        self.origin = {}  # name -> "directory", "UserAttributes" or "Attributes": where its value came from
        self.demo = {"platform": None, "app_version": None, "locale": None, "country": None, "make": None, "model": None}
        self.endpoints = {}  # id -> dict
        self.last_active = None
        self.counters = {"sign_ups": 0, "sign_ins": 0, "auth_failures": 0, "sessions": 0, "active_days": 0}
        self.active_days_all = set()  # every day with an activity event (all data)
        self.daily = defaultdict(lambda: defaultdict(int))  # day -> kind -> count


def build_profiles(events, directory, cal, first_day, last_day, session_starts, share_user_data):
    # docs/segments.md "Profiles": the users as of L are those listed in the directory and
    # those with an event on or before L (one whose every event is later is not yet a user).
    users = set(directory) | {e.user for e in events if e.user is not None and cal.day(e.time) <= last_day}
    profiles = {u: Profile(u) for u in users}
    for sub, attrs in directory.items():
        p = profiles[sub]
        for name, values in attrs.items():
            p.attrs[name] = list(values)
            p.origin[name] = "directory"

    by_user = defaultdict(list)
    for e in events:
        if e.user is not None and e.user in profiles:
            e.day = cal.day(e.time)
            by_user[e.user].append(e)

    for user, evs in by_user.items():
        p = profiles[user]
        upto = [e for e in evs if e.day <= last_day]  # profiles are as of L

        # Attributes: Pinpoint UserAttributes then Attributes, in time order, later winning;
        # within one event Attributes after UserAttributes. Two events of the same millisecond:
        # the one whose attribute object (the one carrying the name) is larger as bytes, raw
        # JSON text as written, counts as the later. "Larger as bytes" is read as the usual
        # byte-wise (lexicographic) order, the brief's "compare the raw JSON text of the two
        # objects as bytes, the larger wins".
        # OPEN: an attribute object that is not a map, or a value that is not a list, is not in
        # the documents; a string value is read as a list of one here.
        winner = {}  # name -> ((time, raw bytes), values, origin)
        for e in upto:
            if e.source != "pinpoint":
                continue
            in_event = {}  # name -> (raw, values, origin): Attributes applied after UserAttributes
            for obj, raw, origin in ((e.ua, e.ua_raw, "UserAttributes"), (e.attrs, e.attrs_raw, "Attributes")):
                for name, values in (obj or {}).items():
                    if isinstance(values, str):
                        values = [values]
                    if isinstance(values, list):
                        in_event[name] = (raw, [v for v in values if isinstance(v, str)], origin)
            for name, (raw, values, origin) in in_event.items():
                key = (e.time, raw)
                if name in winner and key == winner[name][0] and values != winner[name][1]:
                    warn("two events of user %s at %d carry attribute objects with the same bytes" % (user, e.time))
                if name not in winner or key > winner[name][0]:
                    winner[name] = (key, values, origin)
        for name, (_, values, origin) in winner.items():
            p.attrs[name] = values
            p.origin[name] = origin

        # Demographics: each field from the latest activity event that carries it.
        # OPEN: two activity events of the same millisecond with different values: not said;
        # here the later in input order wins (stable sort), with a warning on stderr.
        activity = sorted((e for e in upto if e.kind in ACTIVITY_KINDS), key=lambda e: e.time)
        for field in p.demo:
            # The country of Pinpoint events only (an ISO code; the activity log writes names,
            # which Location.Country never compares: docs/segments.md "Profiles").
            carrying = [e for e in activity if getattr(e, field) is not None and (field != "country" or e.source == "pinpoint")]
            if carrying:
                p.demo[field] = getattr(carrying[-1], field)
                if len({getattr(e, field) for e in carrying if e.time == carrying[-1].time}) > 1:
                    warn("user %s: activity events of the same millisecond give %s different values" % (user, field))
        if activity:
            p.last_active = max(e.day for e in activity)

        # Endpoints: endpoint.Id else client.client_id, the latest event per id.
        # OPEN: which kinds of Pinpoint event name an endpoint is not said; every Pinpoint
        # event does here (an endpoint is on every record). Ties: later in input order.
        latest = {}
        for e in sorted((e for e in upto if e.source == "pinpoint" and e.endpoint_id), key=lambda e: e.time):
            # Each field keeps its latest known value: an event that names the endpoint
            # without its address or device does not blank its device token or platform.
            before = p.endpoints.get(e.endpoint_id) or {}
            def latest_known(value, key):
                return value if value is not None else before.get(key)
            endpoint = {
                "ChannelType": latest_known(e.channel, "ChannelType"),
                "Address": latest_known(e.address, "Address"), "Id": e.endpoint_id,
                "platform": latest_known(e.platform, "platform"), "app_version": latest_known(e.app_version, "app_version"),
                "locale": latest_known(e.locale, "locale"), "country": latest_known(e.country, "country"),
            }
            if latest.get(e.endpoint_id) == e.time and p.endpoints[e.endpoint_id] != endpoint:
                warn("user %s: two events of endpoint %s at the same millisecond say different things" % (user, e.endpoint_id))
            latest[e.endpoint_id] = e.time
            p.endpoints[e.endpoint_id] = endpoint

        for e in evs:
            if e.kind in ACTIVITY_KINDS:
                p.active_days_all.add(e.day)
            if first_day <= e.day <= last_day:
                p.daily[e.day][e.kind] += 1
        p.counters["sign_ups"] = sum(d["sign_up"] for d in p.daily.values())
        p.counters["sign_ins"] = sum(d["sign_in"] for d in p.daily.values())
        p.counters["auth_failures"] = sum(d["auth_failure"] for d in p.daily.values())
        p.counters["active_days"] = sum(1 for d in p.active_days_all if first_day <= d <= last_day)

    for user, start in session_starts:
        if first_day <= cal.day(start) <= last_day:
            profiles[user].counters["sessions"] += 1

    if share_user_data:
        # docs/segments.md "Profiles": an EMAIL endpoint for the directory's `email` when
        # `email_verified` is `true`, an SMS endpoint for `phone_number` likewise.
        # OPEN, settled by reading Sources/AuthStatsCore/Segments/SegmentPass.swift (the only
        # place this oracle looked at the Swift code): such an endpoint carries the profile's
        # demographics, and none is added when the user already has an endpoint of that
        # channel and address. Its id is a hash (cognito-email-/cognito-sms-<16 hex>) that the
        # oracle does not redo: only its form is checked.
        for sub, attrs in directory.items():
            p = profiles[sub]
            for channel, address, verified in (("EMAIL", "email", "email_verified"), ("SMS", "phone_number", "phone_number_verified")):
                value = (attrs.get(address) or [""])[0]
                if value == "" or attrs.get(verified) != ["true"]:
                    continue
                if any(ep["ChannelType"] == channel and ep["Address"] == value for ep in p.endpoints.values()):
                    continue
                p.endpoints["cognito-" + channel.lower() + "-"] = {
                    "ChannelType": channel, "Address": value, "Id": None, "shared": True,
                    "platform": p.demo["platform"], "app_version": p.demo["app_version"],
                    "locale": p.demo["locale"], "country": p.demo["country"]}
    return profiles


# MARK: Segments (docs/segments.md)


def read_segments(path):
    body = open(path, "rb").read().decode("utf-8").lstrip("\ufeff")
    segments, pos = [], 0
    while True:
        while pos < len(body) and body[pos] in " \t\r\n":
            pos += 1
        if pos >= len(body):
            return segments
        doc, pos = DEC.raw_decode(body, pos)
        if isinstance(doc, list):
            segments += doc
        elif isinstance(doc, dict) and "SegmentsResponse" in doc:
            segments += doc["SegmentsResponse"].get("Item") or []
        elif isinstance(doc, dict) and "SegmentResponse" in doc:
            segments.append(doc["SegmentResponse"])
        else:
            raise SystemExit("segments file: a document of no known form")


def nn(obj, key):
    """A member whose value is null counts as absent."""
    return obj.get(key) if isinstance(obj, dict) else None


class Evaluator:
    def __init__(self, segments, profiles, cal, last_day):
        self.segments = segments
        self.by_id = {s["Id"]: s for s in segments if nn(s, "Id") is not None}
        self.profiles = profiles
        self.cal = cal
        self.L = last_day
        self.memo = {}

    def members(self, segment):
        name = segment["Name"]
        if name not in self.memo:
            self.memo[name] = None  # a cycle would show as None (refused by authstats)
            self.memo[name] = {u for u, p in self.profiles.items() if self.segment_matches(segment, p)}
        return self.memo[name]

    def segment_matches(self, s, p):
        dims, groups = nn(s, "Dimensions"), nn(s, "SegmentGroups")
        if dims is not None and not self.dims_match(dims, p):
            return False
        if groups is not None and not self.groups_match(groups, p):
            return False
        return True

    def groups_match(self, sg, p):
        groups = nn(sg, "Groups") or []
        if not groups:
            return True
        results = [self.group_matches(g, p) for g in groups]
        include = nn(sg, "Include") or "ALL"
        return {"ALL": all(results), "ANY": any(results), "NONE": not any(results)}[include]

    def group_matches(self, g, p):
        sources = nn(g, "SourceSegments")
        if sources:
            inside = [p.user in self.members(self.by_id[src["Id"]]) for src in sources]
            source_type = nn(g, "SourceType") or "ALL"
            if not {"ALL": all(inside), "ANY": any(inside), "NONE": not any(inside)}[source_type]:
                return False
        dims = nn(g, "Dimensions") or []
        if not dims:
            return True
        results = [self.dims_match(d, p) for d in dims]
        return {"ALL": all(results), "ANY": any(results), "NONE": not any(results)}[nn(g, "Type") or "ALL"]

    def dims_match(self, d, p):
        for kind in ("UserAttributes", "Attributes"):
            for name, ad in (nn(d, kind) or {}).items():
                if not self.attribute_matches(p.attrs.get(name), ad):
                    return False
        demo = nn(d, "Demographic") or {}
        for key, field in (("Platform", "platform"), ("AppVersion", "app_version"), ("Make", "make"), ("Model", "model")):
            sd = nn(demo, key)
            if sd is not None and not self.set_matches(p.demo[field], sd, key == "Platform"):
                return False
        if nn(demo, "Channel") is not None:
            sd = demo["Channel"]
            has = any(ep["ChannelType"] in sd["Values"] for ep in p.endpoints.values())
            if has != ((nn(sd, "DimensionType") or "INCLUSIVE") == "INCLUSIVE"):
                return False
        country = nn(nn(d, "Location") or {}, "Country")
        if country is not None and not self.set_matches(p.demo["country"], country, False):
            return False
        recency = nn(nn(d, "Behavior") or {}, "Recency")
        if recency is not None:
            days = {"HR_24": 1, "DAY_7": 7, "DAY_14": 14, "DAY_30": 30}[recency["Duration"]]
            active = p.last_active is not None and self.L - dt.timedelta(days=days - 1) <= p.last_active <= self.L
            if active != (recency["RecencyType"] == "ACTIVE"):
                return False
        for name, md in (nn(d, "Metrics") or {}).items():
            v, x = p.counters[name], md["Value"]
            op = md["ComparisonOperator"]
            ok = {"GREATER_THAN": v > x, "LESS_THAN": v < x, "GREATER_THAN_OR_EQUAL": v >= x,
                  "LESS_THAN_OR_EQUAL": v <= x, "EQUAL": v == x}[op]
            if not ok:
                return False
        return True

    @staticmethod
    def set_matches(value, sd, lowered):
        values = sd["Values"]
        if lowered:
            value, values = lower(value), [v.lower() for v in values]
        inside = value is not None and value in values
        return inside if (nn(sd, "DimensionType") or "INCLUSIVE") == "INCLUSIVE" else not inside

    def attribute_matches(self, user_values, ad):
        values = ad["Values"]
        kind = nn(ad, "AttributeType") or "INCLUSIVE"
        mine = user_values or []
        if kind == "INCLUSIVE":
            return any(v in values for v in mine)
        if kind == "EXCLUSIVE":
            return not any(v in values for v in mine)
        if kind == "CONTAINS":
            return any(x in v for v in mine for x in values)
        if kind == "ON":
            target = self.on_day(values[0])
            return any(self.on_day(v) == target for v in mine if self.on_day(v) is not None)
        instants = [parse_iso(v, True) for v in mine]
        instants = [t for t, v in zip(instants, mine) if t is not None and self.is_instant(v)]
        a = parse_iso(values[0], True)
        if kind == "BEFORE":
            return any(t < a for t in instants)
        if kind == "AFTER":
            return any(t > a for t in instants)
        if kind == "BETWEEN":
            b = parse_iso(values[1], True)
            return any(a <= t <= b for t in instants)
        raise SystemExit("unknown AttributeType " + kind)

    @staticmethod
    def is_instant(v):
        # A date and time without Z or an offset names no instant.
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None:
            return True
        m = re.search(r"T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-](\d{2}):?(\d{2}))$", v)
        return m is not None and (m.group(2) == "Z" or (int(m.group(3)) <= 23 and int(m.group(4)) <= 59))

    def on_day(self, v):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v or ""):
            return dt.date.fromisoformat(v)
        t = parse_iso(v) if self.is_instant(v or "") else None
        return None if t is None else self.cal.day(t)


# MARK: File names (docs/segments.md "File names")

SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_.,+=@~!#$&'()[]{}^;`")


def file_name(name):
    # Only what the sample's names need (ASCII); a non-ASCII name is escaped byte by byte,
    # which is right only for symbols (letters would be kept): said out loud when met.
    if name == "":
        return "%"
    out = []
    data = name.encode()
    for i, b in enumerate(data):
        edge = (i == 0 and b in b". ") or (i == len(data) - 1 and b in b". ")
        out.append(chr(b) if b in SAFE and not edge else "%%%02X" % b)
    result = "".join(out)
    if re.fullmatch(r"(?i)(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?", name):
        result = "%%%02X" % data[0] + result[1:]
    if any(ord(c) > 127 for c in name) or len(result.encode()) > 200:
        print("oracle: WARNING: file name of %r not modelled exactly" % name, file=sys.stderr)
    return result


def csv_text(value):
    """reports.md "CSV": formula-like text gets a `'` in front."""
    s = str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


# MARK: Expected reports


def expected_reports(args):
    cal = Calendar(args.timezone)
    excluded = {os.path.realpath(os.fsencode(args.users)), os.path.realpath(os.fsencode(args.segments)),
                os.path.realpath(os.fsencode(args.out))}
    oldest = parse_iso(args.oldest_event, True)
    newest = parse_iso(args.newest_event, True) + 86400000
    events, stats = read_events(args.input, excluded, oldest, newest, cal)
    directory = read_directory(args.users)
    for e in events:
        e.day = cal.day(e.time)
    days_with_events = sorted({e.day for e in events})
    first_day = dt.date.fromisoformat(args.from_) if args.from_ else days_with_events[0]
    last_day = dt.date.fromisoformat(args.to) if args.to else days_with_events[-1]
    range_days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]

    session_starts = sessions_of(events, args.session_timeout * 60000)
    profiles = build_profiles(events, directory, cal, first_day, last_day, session_starts, args.share_user_data)
    segments = read_segments(args.segments)
    ev = Evaluator(segments, profiles, cal, last_day)

    rows, daily, exports, members_by_segment = [], [], {}, {}
    for s in segments:
        members = ev.members(s)
        members_by_segment[s["Name"]] = members
        ps = [profiles[u] for u in members]
        L = last_day
        export = export_rows(ps, args.share_user_data)
        f = "segments/" + file_name(s["Name"]) + ".csv"
        rows.append({
            "segment": csv_text(s["Name"]),
            "users": len(ps),
            "active_users_last_day": sum(1 for p in ps if L in p.active_days_all),
            "mau_30d_last_day": sum(1 for p in ps if any(L - dt.timedelta(days=29) <= d <= L for d in p.active_days_all)),
            "sign_ups": sum(p.counters["sign_ups"] for p in ps),
            "sign_ins": sum(p.counters["sign_ins"] for p in ps),
            "auth_failures": sum(p.counters["auth_failures"] for p in ps),
            "wau_7d_last_day": sum(1 for p in ps if any(L - dt.timedelta(days=6) <= d <= L for d in p.active_days_all)),
            "sessions": sum(p.counters["sessions"] for p in ps),
            "endpoints": len(export),
            "file": csv_text(f),
        })
        exports[f] = export
    for day in range_days:
        for s in segments:
            ps = [profiles[u] for u in members_by_segment[s["Name"]]]
            daily.append({
                "date": day.isoformat(), "segment": csv_text(s["Name"]),
                "sign_ups": sum(p.daily[day]["sign_up"] for p in ps if day in p.daily),
                "sign_ins": sum(p.daily[day]["sign_in"] for p in ps if day in p.daily),
                "auth_failures": sum(p.daily[day]["auth_failure"] for p in ps if day in p.daily),
                "active_users": sum(1 for p in ps if day in p.active_days_all),
            })
    return rows, daily, exports, members_by_segment, profiles, stats, events


EMAIL_RE = re.compile(r"[^\s@＠]+[@＠](([^\W\d_][\w-]*|[\w-]*[^\W\d_][\w-]*)\.)+[^\W\d_]{2,}(?![\w.])|[^\s@＠]+[@＠]\d{1,3}(\.\d{1,3}){3}")
PHONE_RE = re.compile(r"(?:^|(?<=[^\w.]))\+[1-9](?:[ \u00a0\-.()]*\d){6,14}(?!\d)")
def withheld(v):
    if v is None:
        return v
    m = EMAIL_RE.search(v)
    if m and re.search(r"[@＠]\d+(\.\d+)?x\.", m.group(0)):
        m = None
    return "" if (m or PHONE_RE.search(v)) else v


def export_rows(ps, share_user_data):
    """docs/segments.md "Member exports": one row per endpoint of each member, by user id then
    endpoint id (bytes); each a dict of column -> list of values (attributes may repeat).
    An EMAIL, SMS or VOICE endpoint is a row only with --share-user-data and the matching
    `*_verified` attribute `true`; an endpoint of a push channel with its address; any other
    (CUSTOM, IN_APP, none, an unknown channel type) without its address."""
    push = {"PUSH", "GCM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "ADM", "BAIDU"}
    rows = []
    for p in sorted(ps, key=lambda p: p.user.encode()):
        def exported(ep):
            verified = {"EMAIL": "email_verified", "SMS": "phone_number_verified", "VOICE": "phone_number_verified"}.get(ep["ChannelType"])
            return verified is None or (share_user_data and p.attrs.get(verified, [None])[0] == "true")
        for key, ep in sorted(p.endpoints.items(), key=lambda kv: kv[0].encode()):
            if not exported(ep):
                continue
            address = ep["Address"] if ep["ChannelType"] in push or ep["ChannelType"] in ("EMAIL", "SMS", "VOICE") else None
            row = {
                "ChannelType": [ep["ChannelType"] or ""], "Address": [address or ""], "Id": [ep["Id"]],
                "User.UserId": [p.user], "Demographic.Platform": [withheld(ep["platform"]) or ""],
                "Demographic.AppVersion": [withheld(ep["app_version"]) or ""], "Demographic.Locale": [withheld(ep["locale"]) or ""],
                "Location.Country": [withheld(ep["country"]) or ""],
            }
            # OPEN: the profile has one attribute map; a name's column is the kind its value
            # came from (directory or Pinpoint UserAttributes: User.UserAttributes.<name>;
            # Pinpoint endpoint Attributes: Attributes.<name>), once, with the member's value
            # (not a per-endpoint one). A name both kinds carry is not in the documents.
            for name, values in p.attrs.items():
                origin = p.origin[name]
                # docs/segments.md "Member exports": never a column, whatever its origin:
                # `sub`, `identities`, and `email` and `phone_number` in any letter case.
                if name in ("sub", "identities") or name.lower() in ("email", "phone_number"):
                    continue
                row[("Attributes." if origin == "Attributes" else "User.UserAttributes.") + name] = [withheld(v) for v in values if withheld(v) != ""]
            rows.append(row)
    return rows


# MARK: Comparing


SEGMENTS_COLUMNS = ["segment", "users", "active_users_last_day", "mau_30d_last_day", "sign_ups", "sign_ins",
                    "auth_failures", "wau_7d_last_day", "sessions", "endpoints", "file"]
DAILY_COLUMNS = ["date", "segment", "sign_ups", "sign_ins", "auth_failures", "active_users"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def compare(args, rows, daily, exports, members_by_segment, stats):
    problems = []
    out = args.out

    def table(name, expected, columns, key):
        """Rows compared by key (so that one order difference is said once, not on every row),
        then the order itself."""
        got = read_csv(os.path.join(out, name))
        if not got:
            problems.append("%s: empty" % name)
            return
        header = got[0]
        if header[: len(columns)] != columns:
            problems.append("%s: header %s, the oracle's columns %s" % (name, ",".join(header), ",".join(columns)))
            return
        got_rows = [dict(zip(header, r)) for r in got[1:]]
        got_keys = [tuple(g.get(k) for k in key) for g in got_rows]
        want_keys = [tuple(str(x[k]) for k in key) for x in expected]
        by_key = dict(zip(got_keys, got_rows))
        for x, k in zip(expected, want_keys):
            g = by_key.get(k)
            if g is None:
                problems.append("%s: no row %s" % (name, ", ".join(k)))
                continue
            for c in columns:
                if g.get(c) != str(x[c]):
                    problems.append("%s row %s: %s = %s, the oracle %s" % (name, ", ".join(k), c, g.get(c), x[c]))
        for k in got_keys:
            if k not in set(want_keys):
                problems.append("%s: row %s, which the oracle does not have" % (name, ", ".join(k)))
        if sorted(got_keys) == sorted(want_keys) and got_keys != want_keys:
            problems.append("%s: rows in another order: %s; the oracle (docs/reports.md: days ascending, "
                            "segments in definition order) %s" % (
                                name, " ".join("/".join(k) for k in got_keys[:4]) + " ...",
                                " ".join("/".join(k) for k in want_keys[:4]) + " ..."))

    table("segments.csv", rows, SEGMENTS_COLUMNS, ["segment"])
    table("segment_daily.csv", daily, DAILY_COLUMNS, ["date", "segment"])

    for segment, members in members_by_segment.items():
        f = next(r["file"] for r in rows if r["segment"] == csv_text(segment))
        path = os.path.join(out, f)
        if not os.path.exists(path):
            problems.append("%s: missing" % f)
            continue
        got = read_csv(path)
        header, got_rows = got[0], got[1:]
        expected = exports[f]
        # The header: the fixed columns, then User.UserAttributes.<name> and Attributes.<name>
        # for the names any member has, in byte order, each repeated as often as the most
        # values one member has. OPEN: "that any member has" is read as applying to both
        # kinds; members without an exported endpoint are read as not counting.
        want_header = ["ChannelType", "Address", "Id", "User.UserId", "Demographic.Platform", "Demographic.AppVersion",
                       "Demographic.Locale", "Location.Country"]
        for prefix in ("User.UserAttributes.", "Attributes."):
            most = defaultdict(int)
            for r in expected:
                for c, v in r.items():
                    if c.startswith(prefix):
                        most[c] = max(most[c], len(v), 1)
            for c in sorted(most, key=lambda c: c.encode()):
                want_header += [c] * most[c]
        if header != want_header:
            problems.append("%s: header %s, the oracle %s" % (f, ",".join(header), ",".join(want_header)))
        with_endpoint = sorted({r["User.UserId"][0] for r in expected})
        got_users = sorted({dict(zip(header, r)).get("User.UserId") for r in got_rows})
        if got_users != with_endpoint:
            problems.append("%s: members with an endpoint %s; the oracle %s (missing %s, extra %s)" % (
                f, len(got_users), len(with_endpoint), sorted(set(with_endpoint) - set(got_users)),
                sorted(set(got_users) - set(with_endpoint))))
        # Rows, column by column (repeated attribute columns gathered into lists, empty cells dropped).
        def gather(r):
            d = defaultdict(list)
            for h, v in zip(header, r):
                if h.startswith(("User.UserAttributes.", "Attributes.")):
                    if v != "":
                        d[h].append(v)
                else:
                    d[h].append(v)
            return d
        got_gathered = [gather(r) for r in got_rows]
        if len(got_gathered) != len(expected):
            problems.append("%s: %d rows, the oracle %d" % (f, len(got_gathered), len(expected)))
        else:
            for i, (g, x) in enumerate(zip(got_gathered, expected)):
                columns = set(g) | set(x)
                for c in sorted(columns):
                    if c == "Id" and x.get(c) == [None]:
                        # a shared-address endpoint: cognito-email-/cognito-sms-<16 hex>, a hash the oracle does not redo
                        prefix = "cognito-email-" if x["ChannelType"] == ["EMAIL"] else "cognito-sms-"
                        if not (g.get(c) and re.fullmatch(re.escape(prefix) + "[0-9a-f]{16}", g[c][0])):
                            problems.append("%s row %d: Id %s, not %s<16 hex>" % (f, i + 1, g.get(c), prefix))
                        continue
                    gv = g.get(c, [])
                    xv = [re.sub("[\n\r\t\x0b\x0c\x85\u2028\u2029]", " ", v) for v in x.get(c, [])]
                    if gv != xv:
                        problems.append("%s row %d (user %s, endpoint %s): %s = %s, the oracle %s" % (
                            f, i + 1, x["User.UserId"][0], x["Id"][0], c, gv, xv))

    summary_path = os.path.join(out, "summary.json")
    if os.path.exists(summary_path):
        totals = json.load(open(summary_path))["totals"]
        for k in ("events", "duplicates"):
            if totals.get(k) != stats[k]:
                problems.append("summary.json totals.%s = %s, the oracle read %s" % (k, totals.get(k), stats[k]))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("users")
    ap.add_argument("out")
    ap.add_argument("--segments")
    ap.add_argument("--timezone", default="UTC")
    ap.add_argument("--from", dest="from_")
    ap.add_argument("--to")
    ap.add_argument("--session-timeout", type=int, default=30, help="minutes")
    ap.add_argument("--share-user-data", action="store_true")
    ap.add_argument("--oldest-event", default="2000-01-01")
    ap.add_argument("--newest-event", default=(dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=3)).isoformat())
    ap.add_argument("--quiet", action="store_true", help="print only the differences")
    args = ap.parse_args()
    args.segments = args.segments or os.path.join(args.input, "segments.json")

    rows, daily, exports, members_by_segment, profiles, stats, events = expected_reports(args)
    say = (lambda *a: None) if args.quiet else print
    say("oracle: %d events, %d duplicates; %d users; timezone %s" % (
        stats["events"], stats["duplicates"], len(profiles), args.timezone))
    say("segments.csv (first seven columns):")
    for r in rows:
        say("  " + ",".join(str(r[k]) for k in list(r)[:7]))
    for name, members in members_by_segment.items():
        say("members of %s (%d): %s" % (name, len(members), " ".join(sorted(members))))
    say("segment_daily.csv:")
    for r in daily:
        say("  " + ",".join(str(v) for v in r.values()))

    problems = compare(args, rows, daily, exports, members_by_segment, stats)
    if problems:
        print("oracle: %d difference(s) between authstats (%s) and the oracle:" % (len(problems), args.out))
        for p in problems:
            print("  " + p)
        return 1
    print("oracle: authstats agrees (%s: segments.csv, segment_daily.csv, %d member exports)" % (args.out, len(exports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
