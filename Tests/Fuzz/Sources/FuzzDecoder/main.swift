/// Fuzz target: the JSON scanner and the record decoders (stages 2-3) on one record.
///
/// The input is one record (leading whitespace allowed). Properties, besides no crash, no
/// memory error and no hang:
/// - a scanner that has just read a Pinpoint, an activity-log or a CloudTrail record (whose
///   key order it remembers, `KeyMemory`), after all earlier inputs, finds the same outcome,
///   fields and decoded result as a fresh one, and reads that record the same way afterwards;
///   and so does one that knows the reference's shape (`ShapeMemory`: it replays the input
///   as far as it follows that shape), and one that reads the input twice (the second time
///   replayed against the shape learnt from the first);
/// - `RecordDecoder` gives the same outcome every time (an event, a skip, or a reject with a
///   reason that is not empty).
import AuthStatsCore
import FuzzSupport

/// One record of each kind the decoders know, as the exports write them.
let references: [[UInt8]] = [
    #"{"event_type":"_userauth.sign_in","event_timestamp":1793750327993,"application":{"version_name":"2.4.0"},"client":{"client_id":"ec33b4d0"},"device":{"platform":{"name":"android"},"locale":{"code":"en_GB","country":"GB"}},"session":{"session_id":"ec33b4d0-1793750327993","start_timestamp":1793750327993},"endpoint":{"User":{"UserId":"u1"},"Location":{"Country":"ES"},"Demographic":{"Locale":"es-ES","AppVersion":"2.4.0","Platform":"windows"}}}"#,
    #"{"eventTimestamp":"1793704122852","eventSource":"USER_ACTIVITY","message":{"eventId":"5e7e30a5","eventType":"SignIn","userSub":"e184d402","clientId":"3n4mobile","creationDate":"Tue Nov 03 11:08:42 UTC 2026","eventResponse":"Pass","idpName":"","country":"France"}}"#,
    #"{"eventTime":"2026-11-02T23:53:32Z","eventSource":"cognito-idp.amazonaws.com","eventName":"InitiateAuth","errorCode":"","requestParameters":{"clientId":"7web"},"responseElements":{"challengeName":null,"userSub":"x"},"additionalEventData":{"sub":"6f2dc2b8","requestParameters":{"client_id":["abc"]}},"eventID":"a8ed590d","eventType":"AwsApiCall"}"#,
].map { Array($0.utf8) }

/// What one scan and decode found: the scanner's outcome and fields, and the decoder's
/// outcome as text (`Outcome` is not `Equatable`) when `decode` is set.
struct Read: Equatable {
    var outcome: JSONScanner.Outcome
    var fields: [JSONField]
    var decoded: String?
}

func read(_ scanner: inout JSONScanner, _ bytes: UnsafeRawBufferPointer, start: Int, decode: Bool = true) -> Read {
    let outcome = scanner.scan(bytes, from: start)
    guard decode, case .complete(let end) = outcome else { return Read(outcome: outcome, fields: scanner.fields) }
    let decoded = RecordDecoder().decode(bytes, range: start..<end, fields: scanner.fields)
    if case .rejected(let reason) = decoded { check(!reason.isEmpty, "a reject without a reason") }
    if case .skipped(_, let reason) = decoded { check(!reason.isEmpty, "a skip without a reason") }
    return Read(outcome: outcome, fields: scanner.fields, decoded: String(describing: decoded))
}

/// A scanner per reference record, kept from input to input: its memory holds the reference
/// and everything read before (a harder history than one record).
var primed = references.map { reference in
    var alone = JSONScanner(schema: RecordDecoder.schema)
    let expected = reference.withUnsafeBytes { read(&alone, $0, start: 0, decode: false) }
    return (scanner: JSONScanner(schema: RecordDecoder.schema), reference: reference, expected: expected)
}

FuzzDriver.run { bytes in
    var start = 0
    while start < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[start]) { start += 1 }
    guard start < bytes.count else { return }
    var fresh = JSONScanner(schema: RecordDecoder.schema)
    let expected = read(&fresh, bytes, start: start)
    // Read twice by a scanner that remembers shapes: the second read replays the input
    // against the shape the first learnt from it (when it was valid).
    var twice = JSONScanner(schema: RecordDecoder.schema, remembersShapes: true)
    for round in 0..<2 {
        let read = read(&twice, bytes, start: start)
        check(read == expected, "read \(round + 1) of a scanner that remembers shapes: \(read) instead of \(expected)")
    }
    for i in primed.indices {
        primed[i].reference.withUnsafeBytes { reference in
            _ = read(&primed[i].scanner, reference, start: 0, decode: false)
            let after = read(&primed[i].scanner, bytes, start: start)
            check(after == expected, "after reference record \(i): \(after) instead of \(expected)")
            let again = read(&primed[i].scanner, reference, start: 0, decode: false)
            check(again == primed[i].expected, "reference record \(i) reads differently after this input: \(again)")
            // A scanner that knows the reference's shape only (a long-lived one would soon
            // stop replaying, since most inputs are shapes of their own): the input is replayed
            // as far as it follows that shape.
            var shaped = JSONScanner(schema: RecordDecoder.schema, remembersShapes: true)
            _ = read(&shaped, reference, start: 0, decode: false)
            let replayed = read(&shaped, bytes, start: start)
            check(replayed == expected, "replayed against reference record \(i)'s shape: \(replayed) instead of \(expected)")
        }
    }
}
