/// Fuzz target: the record framer and the JSON scanner (stage 2) on arbitrary bytes.
///
/// Properties, besides no crash, no memory error and no hang:
/// - the same items whether the stream arrives whole or in chunks of 1-128 bytes (`ChunkPlan`),
///   and the same verdict on whether it was cut (`openValueNumber`, `endedInsideRecordsArray`);
/// - items are numbered 1, 2, 3, … and their ranges lie inside the buffer;
/// - a record re-scanned alone by a fresh scanner is whole JSON with the same fields (the
///   scanner's memory of earlier records, `KeyMemory`, changes nothing);
/// - the record decoders (stage 3) take every record.
import AuthStatsCore
import FuzzSupport

/// One framed item, in terms that do not depend on where the buffer held it.
enum Framed: Equatable {
    case record([UInt8], number: Int, fields: [JSONField])
    case invalid([UInt8], number: Int, reason: String)
    case oversize(prefix: [UInt8], number: Int, length: Int)
    case padding(length: Int)
    case end(openValue: Int?, insideRecords: Bool)
}

func frame(_ chunks: [UnsafeRawBufferPointer], maxRecordBytes: Int) -> [Framed] {
    let framer = RecordFramer(scanner: JSONScanner(schema: RecordDecoder.schema), maxRecordBytes: maxRecordBytes, initialCapacity: 64)
    var fresh = JSONScanner(schema: RecordDecoder.schema)
    let decoder = RecordDecoder()
    var items: [Framed] = []
    func drain() {
        while let item = framer.next() {
            let buffer = framer.buffer
            switch item {
            case .record(let range, let number):
                check(range.lowerBound >= 0 && range.upperBound <= buffer.count && !range.isEmpty, "record range \(range) of \(buffer.count)")
                let bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[range]))
                let fields = framer.fields.map { relative($0, to: range.lowerBound) }
                bytes.withUnsafeBytes { alone in
                    let outcome = fresh.scan(alone)
                    guard case .complete(let end) = outcome else {
                        return check(false, "record \(number) framed whole, alone it is \(outcome): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                    }
                    check(alone[end...].allSatisfy { [0x20, 0x0A, 0x0D, 0x09].contains($0) }, "record \(number) has bytes after its value")
                    check(fresh.fields == fields, "record \(number): fields differ from a fresh scan (scanner memory)")
                    _ = decoder.decode(alone, range: 0..<alone.count, fields: fresh.fields)
                }
                items.append(.record(bytes, number: number, fields: fields))
            case .invalid(let range, let number, let reason):
                check(range.lowerBound >= 0 && range.upperBound <= buffer.count && !range.isEmpty, "invalid range \(range) of \(buffer.count)")
                check(!reason.isEmpty, "a reject without its reason")
                items.append(.invalid(Array(UnsafeRawBufferPointer(rebasing: buffer[range])), number: number, reason: reason))
            case .padding(let length):
                check(length > 0, "empty padding")
                items.append(.padding(length: length))
            case .oversize(let prefix, let number, let length):
                check(length > maxRecordBytes && prefix.count <= RecordFramer.rejectPrefixBytes, "oversize of \(length), prefix \(prefix.count)")
                items.append(.oversize(prefix: prefix, number: number, length: length))
            }
            let numbered = items.filter { if case .padding = $0 { false } else { true } }.count
            check(framer.recordCount == numbered, "item numbers skip: \(framer.recordCount) after \(numbered) items")
        }
    }
    for chunk in chunks {
        _ = framer.fill(minimum: chunk.count) { space in
            space.copyMemory(from: chunk)
            return chunk.count
        }
        drain()
    }
    framer.finish()
    drain()
    check(framer.unframedBytes == 0, "\(framer.unframedBytes) bytes left unframed at the end")
    // Whether the stream was cut (`StreamProcessor.end` reads these) is part of the outcome too.
    items.append(.end(openValue: framer.openValueNumber, insideRecords: framer.endedInsideRecordsArray))
    return items
}

/// A field with offsets relative to the record's start.
func relative(_ field: JSONField, to start: Int) -> JSONField {
    guard field.type != .absent else { return field }
    return JSONField(type: field.type, start: field.start - start, end: field.end - start, hasEscapes: field.hasEscapes)
}

FuzzDriver.run { bytes in
    // A limit some records pass (from the fifth byte: 64 bytes to 7 KiB, below and above the
    // kept prefix), so over-long records, broken or not, occur.
    let limits = [64, 500, RecordFramer.rejectPrefixBytes, 7 * 1024]
    let maxRecordBytes = limits[Int(bytes.count > 4 ? bytes[4] % 4 : 0)]
    let whole = frame([bytes], maxRecordBytes: maxRecordBytes)
    let chunked = frame(ChunkPlan(bytes).chunks(of: bytes), maxRecordBytes: maxRecordBytes)
    guard whole != chunked else { return }
    let at = zip(whole, chunked).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(whole.count, chunked.count)
    check(false, "framed whole: \(whole.count) items, in chunks of \(ChunkPlan(bytes).sizes): \(chunked.count); item \(at + 1): "
        + "\(at < whole.count ? "\(whole[at])" : "none") whole, \(at < chunked.count ? "\(chunked[at])" : "none") in chunks")
}
