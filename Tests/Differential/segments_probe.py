#!/usr/bin/env python3
"""Inputs for the segment oracle that exercise what sample-logs/ does not (SegmentOracleTests.swift).

    segments_probe.py OUT_FOLDER

writes OUT_FOLDER/in/ (Pinpoint NDJSON, an activity log as CloudWatch export lines, a
CloudTrail file), OUT_FOLDER/users.json (list-users) and OUT_FOLDER/segments.json (a
hand-written list, one segment per rule). Meant for a report with `--from 2026-11-01 --to
2026-11-10` (L = 2026-11-10), in UTC, Europe/Berlin or America/New_York. Each user is one
case, named in a comment: attributes changing over time and after L, Attributes applied after
UserAttributes, ties of the same millisecond decided by the attribute object's bytes,
duplicate deliveries that carry other values, demographics field by field (a later CloudTrail
sign-in carries none; a later auth failure is no activity event; the activity log's country),
the session example of metrics.md §9, recency on L-6/L-7 and across time zones, date
operators, channels, metrics, SegmentGroups, and a segment name that needs escaping.

segments_reference.py decides what authstats must write; this file only makes the inputs.
"""

import datetime as dt
import gzip
import json
import os
import sys

OUT = sys.argv[1]
D = os.path.join(OUT, "in")
os.makedirs(D, exist_ok=True)
def ms(s):
    return int(dt.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp() * 1000)


def pp(et, t, user=None, client='cl-x', sid=None, start=None, stop=None, ua=None, attrs=None, platform=None, dev_platform=None,
       locale=None, country=None, ep_country=None, version='', ep_version=None, make=None, model=None, ep_id=None, channel='GCM', address=None, raw_ua=None):
    r = {"event_type": et, "event_timestamp": ms(t), "arrival_timestamp": ms(t)+500, "event_version": "3.1",
         "application": {"app_id": "0123456789abcdef0123456789abcdef", "version_name": version, "sdk": {}},
         "client": {"client_id": client}, "device": {"platform": ({"name": dev_platform} if dev_platform else {})},
         "session": ({"session_id": sid, **({"start_timestamp": ms(start)} if start else {}), **({"stop_timestamp": ms(stop)} if stop else {})} if sid else {}),
         "attributes": {}, "metrics": {}}
    if locale or country: r["device"]["locale"] = {k: v for k, v in (("code", locale), ("country", country)) if v}
    if make: r["device"]["make"] = make
    if model: r["device"]["model"] = model
    ep = {"Id": ep_id or client, "ChannelType": channel, "Demographic": {}, "Location": {}}
    if platform: ep["Demographic"]["Platform"] = platform
    if ep_version: ep["Demographic"]["AppVersion"] = ep_version
    if ep_country: ep["Location"]["Country"] = ep_country
    if address: ep["Address"] = address
    if user is not None or ua is not None: ep["User"] = {**({"UserId": user} if user is not None else {}), **({"UserAttributes": ua} if ua is not None else {})}
    if attrs is not None: ep["Attributes"] = attrs
    r["endpoint"] = ep
    s = json.dumps(r, separators=(",", ":"))
    if raw_ua is not None:  # replace the UserAttributes text by a hand-written one
        s = s.replace(json.dumps(ua, separators=(",", ":")), raw_ua)
        assert json.loads(s)["endpoint"]["User"]["UserAttributes"] == ua
    return s
def act(etype, resp, t, user, country="null", eid=None):
    return json.dumps({"eventTimestamp": str(ms(t)), "eventSource": "USER_ACTIVITY", "logLevel": "INFO",
        "message": {"version": "1", "eventId": eid or ("ev-%s-%s-%d" % (user, etype, ms(t))), "eventType": etype, "userSub": user,
                    "clientId": "webclient", "eventResponse": resp, "idpName": "", "country": country}})
def ct(name, t, user, error=None, challenge=None, eid=None):
    r = {"eventVersion": "1.08", "eventTime": t.replace('.000', ''), "eventSource": "cognito-idp.amazonaws.com", "eventName": name,
         "awsRegion": "eu-west-1", "requestParameters": {"clientId": "webclient"},
         "responseElements": ({"challengeName": challenge} if challenge else None),
         "additionalEventData": {"sub": user}, "eventID": eid or ("ct-%s-%s-%s" % (user, name, t)), "eventType": "AwsApiCall"}
    if error: r["errorCode"] = error
    return r

a = []  # file a.ndjson (pinpoint)
# u-attr: plan changes over time; the event after L must not count; Attributes after UserAttributes in one event
a.append(pp("pageView", "2026-11-02T10:00:00Z", user="u-attr", client="c-attr", ua={"custom:plan": ["free"]}, attrs={"tier": ["bronze"]}, dev_platform="Android"))
a.append(pp("pageView", "2026-11-05T10:00:00Z", user="u-attr", client="c-attr", ua={"custom:plan": ["pro"], "tier": ["gold"]}, attrs={"tier": ["silver"]}, dev_platform="Android"))
a.append(pp("pageView", "2026-11-12T10:00:00Z", user="u-attr", client="c-attr", ua={"custom:plan": ["enterprise"]}, dev_platform="ios"))
# u-tie: two events of the same ms, different UserAttributes: the object larger as bytes wins,
# '{"custom:plan":["zeta"]}' > '{"custom:plan":["alpha"] }' (the second is the longer one)
a.append(pp("search", "2026-11-06T08:00:00Z", user="u-tie", client="c-tie", ua={"custom:plan": ["zeta"]}))
a.append(pp("pageView", "2026-11-06T08:00:00Z", user="u-tie", client="c-tie", ua={"custom:plan": ["alpha"]}, raw_ua='{"custom:plan":["alpha"] }'))
# u-demo: demographics per field; a later CloudTrail sign-in carries none; a later Pinpoint auth failure (not activity) must not count
a.append(pp("_userauth.sign_in", "2026-11-03T09:00:00Z", user="u-demo", client="c-demo", platform="Android", locale="EN-gb", ep_country="GB",
            version="", ep_version="3.1.0", make="samsung", model="SM-1"))
a.append(pp("_userauth.auth_fail", "2026-11-04T09:00:00Z", user="u-demo", client="c-demo", dev_platform="ios", locale="fr_FR", country="FR", version="9.9"))
# u-sess: metrics.md §9 example: session s1 10:00-10:20, a sign-in at 10:05 joins it, 10:40 and 11:10 one gap session, 11:40:00.001 another
a.append(pp("_session.start", "2026-11-07T10:00:00Z", user="u-sess", client="c-sess", sid="s1", start="2026-11-07T10:00:00Z"))
a.append(pp("_session.stop", "2026-11-07T10:20:00Z", user="u-sess", client="c-sess", sid="s1", start="2026-11-07T10:00:00Z", stop="2026-11-07T10:20:00Z"))
a.append(pp("pageView", "2026-11-07T11:10:00Z", user="u-sess", client="c-sess"))
a.append(pp("pageView", "2026-11-07T11:40:00.001Z", user="u-sess", client="c-sess"))
# a campaign event (kind other) with a session id of its own: not an activity event, no session
a.append(pp("_campaign.send", "2026-11-08T10:00:00Z", user="u-sess", client="c-sess", sid="s-campaign"))
# u-empty: UserId "" -> the user is the client id; multi-valued attribute; an APNS endpoint
a.append(pp("pageView", "2026-11-04T12:00:00Z", user="", client="c-empty", attrs={"interests": ["music", "sports", "art"]}, channel="APNS", dev_platform="ios"))
# u-dup: the first copy (this file) counts, the later copy in b.ndjson carries another plan
a.append(pp("pageView", "2026-11-08T12:00:00Z", user="u-dup", client="c-dup", ua={"custom:plan": ["first"]}))
# u-two: two endpoints; the latest event per endpoint gives its demographics
a.append(pp("pageView", "2026-11-02T12:00:00Z", user="u-two", client="c-two-a", dev_platform="android", channel="GCM"))
a.append(pp("pageView", "2026-11-03T12:00:00Z", user="u-two", client="c-two-b", dev_platform="ios", channel="APNS"))
a.append(pp("pageView", "2026-11-09T12:00:00Z", user="u-two", client="c-two-a", dev_platform="windows", channel="GCM"))
# u-old: active only before the range (still last_active); u-l7: active on L-7 (UTC) or L-6 (Berlin)
a.append(pp("pageView", "2026-10-20T12:00:00Z", user="u-old", client="c-old"))
a.append(pp("pageView", "2026-11-03T23:30:00Z", user="u-l7", client="c-l7"))  # L-7 in UTC (L = 11-10); in Berlin 11-04 00:30 = L-6
# u-len: a tie of the same millisecond where the lexicographically larger object is the shorter one:
# {"custom:plan":["zz"]} is larger as bytes than {"custom:plan":["alpha"]}, which is longer
a.append(pp("search", "2026-11-06T09:00:00Z", user="u-len", client="c-len", ua={"custom:plan": ["zz"]}))
a.append(pp("pageView", "2026-11-06T09:00:00Z", user="u-len", client="c-len", ua={"custom:plan": ["alpha"]}))
# u-raw: the raw text decides, not a re-serialisation: '{"custom:plan":["a"]}' > '{ "custom:plan":["b"]}' as bytes
a.append(pp("search", "2026-11-06T10:00:00Z", user="u-raw", client="c-raw", ua={"custom:plan": ["a"]}))
a.append(pp("pageView", "2026-11-06T10:00:00Z", user="u-raw", client="c-raw", ua={"custom:plan": ["b"]}, raw_ua='{ "custom:plan":["b"]}'))
# u-dup2: the duplicate copy (b.ndjson, same five key fields) names another platform, channel and
# attribute value for the same endpoint: a duplicate counts once and nowhere else, so none of it
# may reach the profile. (A copy naming another endpoint *id* would add that endpoint: a limit
# docs/segments.md "Profiles" states; real duplicate deliveries are byte-identical.)
a.append(pp("pageView", "2026-11-08T13:00:00Z", user="u-dup2", client="c-dup2", dev_platform="android", channel="GCM", attrs={"plan": ["a"]}))
open(D + "/a.ndjson", "w").write("\n".join(a) + "\n")
open(D + "/b.ndjson", "w").write("\n".join([
    pp("pageView", "2026-11-08T12:00:00Z", user="u-dup", client="c-dup", ua={"custom:plan": ["second"]}),
    pp("pageView", "2026-11-08T13:00:00Z", user="u-dup2", client="c-dup2", dev_platform="windows", channel="APNS",
       attrs={"plan": ["zzzzzz"]}),
]) + "\n")

# activity log (CloudWatch export lines) and CloudTrail
lines = [
    "2026-11-05T10:00:00.000Z " + act("SignIn", "Pass", "2026-11-05T10:00:00.000Z", "u-demo", country="Germany"),
    act("SignIn", "Fail", "2026-11-06T10:00:00.000Z", "u-fail", country="Spain"),
    act("SignIn", "Fail", "2026-11-06T10:01:00.000Z", "u-fail"),
    act("SignUp", "Pass", "2026-11-01T09:00:00.000Z", "u-dir1", country="France"),
    act("SignIn", "Pass", "2026-11-10T23:59:59.000Z", "u-dir1"),
    act("SignIn", "Pass", "2026-11-11T00:00:01.000Z", "u-dir2"),  # after L in UTC, on L in New York
]
with gzip.open(D + "/activity.log.gz", "wt") as f:
    f.write("\n".join(lines) + "\n")
records = [
    ct("RespondToAuthChallenge", "2026-11-07T10:05:00Z", "u-sess"),
    ct("InitiateAuth", "2026-11-07T10:40:00Z", "u-sess"),
    ct("InitiateAuth", "2026-11-06T09:00:00Z", "u-demo"),
    ct("InitiateAuth", "2026-11-06T09:00:00Z", "u-ct", challenge="PASSWORD_VERIFIER"),
    ct("InitiateAuth", "2026-11-06T09:01:00Z", "u-ct", error="NotAuthorizedException"),
]
json.dump({"Records": records}, open(D + "/trail.json", "w"))

users = {"Users": [
    {"Username": "dir1", "Enabled": True, "UserStatus": "CONFIRMED", "Attributes": [
        {"Name": "sub", "Value": "u-dir1"}, {"Name": "email", "Value": "d1@example.com"}, {"Name": "email_verified", "Value": "true"},
        {"Name": "custom:plan", "Value": "pro"}, {"Name": "custom:since", "Value": "2026-03-01T23:30:00Z"}, {"Name": "custom:note", "Value": "=1+2, \"quoted\""}]},
    {"Username": "dir2", "Enabled": False, "UserStatus": "UNCONFIRMED", "Attributes": [
        {"Name": "sub", "Value": "u-dir2"}, {"Name": "custom:since", "Value": "2026-01-31T12:00:00+02:00"}]},
    {"Username": "dir3", "Enabled": True, "UserStatus": "CONFIRMED", "Attributes": [
        {"Name": "sub", "Value": "u-dir3"}, {"Name": "custom:since", "Value": "2026-01-31T10:00:00"}]},
    {"Username": "attr", "Enabled": True, "UserStatus": "CONFIRMED", "Attributes": [
        {"Name": "sub", "Value": "u-attr"}, {"Name": "custom:plan", "Value": "directory"}, {"Name": "phone_number", "Value": "+10000"},
        {"Name": "phone_number_verified", "Value": "true"}]},
]}
json.dump(users, open(os.path.join(OUT, 'users.json'), 'w'))

S = lambda name, **kw: {"Name": name, **kw}
segs = [
    S("plan-pro", Id="pro", Dimensions={"UserAttributes": {"custom:plan": {"AttributeType": "INCLUSIVE", "Values": ["pro"]}}}),
    S("plan-alpha", Dimensions={"UserAttributes": {"custom:plan": {"Values": ["alpha"]}}}),
    S("plan-zeta", Dimensions={"UserAttributes": {"custom:plan": {"Values": ["zeta"]}}}),
    S("plan-zz", Dimensions={"UserAttributes": {"custom:plan": {"Values": ["zz"]}}}),
    S("plan-a", Dimensions={"UserAttributes": {"custom:plan": {"Values": ["a"]}}}),
    S("windows", Dimensions={"Demographic": {"Platform": {"Values": ["windows"]}}}),
    S("plan-first", Dimensions={"UserAttributes": {"custom:plan": {"Values": ["first"]}}}),
    S("tier-silver", Dimensions={"Attributes": {"tier": {"Values": ["silver"]}}}),
    S("not-pro", Dimensions={"UserAttributes": {"custom:plan": {"AttributeType": "EXCLUSIVE", "Values": ["pro"]}}}),
    S("contains-ret", Dimensions={"UserAttributes": {"custom:plan": {"AttributeType": "CONTAINS", "Values": ["ret", "ir"]}}}),
    S("since-on-mar2", Dimensions={"UserAttributes": {"custom:since": {"AttributeType": "ON", "Values": ["2026-03-02"]}}}),
    S("since-before-feb", Dimensions={"UserAttributes": {"custom:since": {"AttributeType": "BEFORE", "Values": ["2026-01-31T10:30:00Z"]}}}),
    S("since-between", Dimensions={"UserAttributes": {"custom:since": {"AttributeType": "BETWEEN", "Values": ["2026-01-31", "2026-03-01T23:30:00Z"]}}}),
    S("android", Dimensions={"Demographic": {"Platform": {"Values": ["ANDROID"]}}}),
    S("not-android", Dimensions={"Demographic": {"Platform": {"DimensionType": "EXCLUSIVE", "Values": ["android"]}}}),
    S("germany", Dimensions={"Location": {"Country": {"Values": ["Germany"]}}}),
    S("app-3.1.0", Dimensions={"Demographic": {"AppVersion": {"Values": ["3.1.0"]}, "Make": {"Values": ["samsung"]}, "Model": {"Values": ["SM-1"]}}}),
    S("apns", Dimensions={"Demographic": {"Channel": {"Values": ["APNS"]}}}),
    S("no-gcm", Dimensions={"Demographic": {"Channel": {"DimensionType": "EXCLUSIVE", "Values": ["GCM"]}}}),
    S("active-24h", Dimensions={"Behavior": {"Recency": {"Duration": "HR_24", "RecencyType": "ACTIVE"}}}),
    S("active-7d", Dimensions={"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}),
    S("inactive-30d", Dimensions={"Behavior": {"Recency": {"Duration": "DAY_30", "RecencyType": "INACTIVE"}}}),
    S("three-sessions", Dimensions={"Metrics": {"sessions": {"ComparisonOperator": "EQUAL", "Value": 3}}}),
    S("two-active-days", Dimensions={"Metrics": {"active_days": {"ComparisonOperator": "GREATER_THAN_OR_EQUAL", "Value": 1.5}}}),
    S("failing", Dimensions={"Metrics": {"auth_failures": {"ComparisonOperator": "GREATER_THAN", "Value": 0}}}),
    S("everyone"),
    S("everyone-empty", Dimensions={}),
    S("+formula/name:", SegmentGroups={"Include": "ANY", "Groups": [
        {"SourceSegments": [{"Id": "pro"}], "Dimensions": [{"Behavior": {"Recency": {"Duration": "DAY_7", "RecencyType": "ACTIVE"}}}]},
        {"Type": "NONE", "Dimensions": [{"Metrics": {"sign_ins": {"ComparisonOperator": "LESS_THAN", "Value": 100}}}]}]}),
    S("none-of-groups", SegmentGroups={"Include": "NONE", "Groups": [
        {"SourceType": "ANY", "SourceSegments": [{"Id": "pro"}, {"Id": "apns-id"}]}]}),
    S("apns-again", Id="apns-id", Dimensions={"Demographic": {"Channel": {"Values": ["APNS"]}}}),
]
json.dump(segs, open(os.path.join(OUT, 'segments.json'), 'w'), indent=1)
