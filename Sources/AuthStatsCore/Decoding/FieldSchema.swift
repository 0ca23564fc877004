/// The set of JSON paths a scan extracts, as a trie over object keys.
///
/// A path is dot-separated keys (`endpoint.User.UserId`); a numeric component selects an
/// array element (`client_id.0`). Each path gets a slot, in the order given, and the scanner
/// fills `fields[slot]` with where its value lies in the record.
///
/// The trie is stored flat (keys in one byte array, children and subtree slots as ranges of
/// index arrays), so the scanner's inner loop reads it without reference counting. Each node
/// with children also has a small open-addressing table of them by `keyHash`, so a key is
/// found (or known absent) in about one probe however many children its node has (the root
/// has one per top-level field of every export format).
public final class FieldSchema: @unchecked Sendable {
    // Unchecked: immutable after `init`.
    public let paths: [String]

    public init(_ paths: [String]) {
        self.paths = paths
        // Build a nested trie first, then flatten it.
        final class Node {
            var key: [UInt8]
            var children: [Node] = []
            var slot = -1
            var subtree: [Int] = []
            init(key: [UInt8]) { self.key = key }
        }
        let root = Node(key: [])
        for (slot, path) in paths.enumerated() {
            var current = root
            root.subtree.append(slot)
            for component in path.split(separator: ".") {
                let key = Array(component.utf8)
                if let existing = current.children.first(where: { $0.key == key }) {
                    current = existing
                } else {
                    let node = Node(key: key)
                    current.children.append(node)
                    current = node
                }
                current.subtree.append(slot)
            }
            precondition(current.slot == -1, "duplicate path \(path)")
            current.slot = slot
        }
        var order: [Node] = [root]
        var i = 0
        while i < order.count {
            order += order[i].children
            i += 1
        }
        nodeCount = order.count
        let number = Dictionary(uniqueKeysWithValues: order.enumerated().map { (ObjectIdentifier($1), Int32($0)) })
        var keyStart: [Int32] = [], keyLength: [Int32] = [], childStart: [Int32] = [], childCount: [Int32] = []
        var slotOf: [Int32] = [], subtreeStart: [Int32] = [], subtreeCount: [Int32] = []
        var keyBytes: [UInt8] = [], childIndex: [Int32] = [], subtreeIndex: [Int32] = []
        var probeStart: [Int32] = [], probeMask: [Int32] = [], probes: [Int32] = []
        for node in order {
            // At most a quarter full, at least 8 slots: a miss nearly always ends at once.
            var size = 8
            while size < node.children.count * 4 { size *= 2 }
            var table = [Int32](repeating: -1, count: node.children.isEmpty ? 0 : size)
            for child in node.children {
                var i = child.key.withUnsafeBufferPointer { Int(SchemaView.keyHash($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)) } & (size - 1)
                while table[i] >= 0 { i = (i + 1) & (size - 1) }
                table[i] = number[ObjectIdentifier(child)]!
            }
            probeStart.append(Int32(probes.count))
            probeMask.append(Int32(table.isEmpty ? 0 : size - 1))
            probes += table
            keyStart.append(Int32(keyBytes.count))
            keyLength.append(Int32(node.key.count))
            keyBytes += node.key
            childStart.append(Int32(childIndex.count))
            childCount.append(Int32(node.children.count))
            childIndex += node.children.map { number[ObjectIdentifier($0)]! }
            slotOf.append(Int32(node.slot))
            subtreeStart.append(Int32(subtreeIndex.count))
            subtreeCount.append(Int32(node.subtree.count))
            subtreeIndex += node.subtree.map(Int32.init)
        }
        // Per node: its key's range in `keyBytes`, its children's range in `childIndex`, its
        // slot (or -1), and its subtree slots' range in `subtreeIndex`; stored in memory the
        // schema owns, so `SchemaView` can point at it for the schema's whole life.
        let tables = [
            keyStart, keyLength, childStart, childCount, slotOf, subtreeStart, subtreeCount, childIndex, subtreeIndex,
            probeStart, probeMask, probes,
        ]
        integers = .allocate(capacity: tables.reduce(0) { $0 + $1.count } + 1)
        var offset = 0
        var starts: [Int] = []
        for table in tables {
            starts.append(offset)
            (integers + offset).initialize(from: table, count: table.count)
            offset += table.count
        }
        tableStarts = starts
        bytes = .allocate(capacity: keyBytes.count + 1)
        bytes.initialize(from: keyBytes, count: keyBytes.count)
    }

    let integers: UnsafeMutablePointer<Int32>
    let tableStarts: [Int]
    let bytes: UnsafeMutablePointer<UInt8>

    deinit {
        integers.deallocate()
        bytes.deallocate()
    }

    public var slotCount: Int { paths.count }
    /// Nodes of the trie (the root included).
    public private(set) var nodeCount = 0
}

/// Unsafe, retain-free views of a `FieldSchema` for the scanner's inner loop; valid while the
/// schema lives (the scanner holds it). Unchecked Sendable: it points into immutable storage.
struct SchemaView: @unchecked Sendable {
    let keyStart, keyLength, childStart, childCount, slotOf, subtreeStart, subtreeCount, childIndex, subtreeIndex: UnsafePointer<Int32>
    let probeStart, probeMask, probes: UnsafePointer<Int32>
    let keyBytes: UnsafePointer<UInt8>

    init(_ schema: FieldSchema) {
        let base = UnsafePointer(schema.integers)
        let t = schema.tableStarts
        keyStart = base + t[0]
        keyLength = base + t[1]
        childStart = base + t[2]
        childCount = base + t[3]
        slotOf = base + t[4]
        subtreeStart = base + t[5]
        subtreeCount = base + t[6]
        childIndex = base + t[7]
        subtreeIndex = base + t[8]
        probeStart = base + t[9]
        probeMask = base + t[10]
        probes = base + t[11]
        keyBytes = UnsafePointer(schema.bytes)
    }

    /// The child of `node` whose key is the `count` bytes at `key`, or -1.
    @inline(__always)
    func child(of node: Int, key: UnsafePointer<UInt8>, count: Int) -> Int {
        let mask = Int(probeMask[node])
        let table = probes + Int(probeStart[node])
        var i = Int(Self.keyHash(key, count)) & mask
        while true {
            let candidate = Int(table[i])
            if candidate < 0 { return -1 }
            if Int(keyLength[candidate]) == count {
                let expected = keyBytes + Int(keyStart[candidate])
                if count >= 8 && count <= 16 {
                    // Two overlapping words cover the key.
                    let a = UnsafeRawPointer(expected), b = UnsafeRawPointer(key)
                    if a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                        && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                            == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                    {
                        return candidate
                    }
                } else {
                    var k = 0
                    while k < count && expected[k] == key[k] { k += 1 }  // keys are short: no libc call
                    if k == count { return candidate }
                }
            }
            i = (i + 1) & mask
        }
    }

    /// The child of `node` whose key is the `count` raw bytes of a string at `key`, unescaped
    /// first if it has escapes; or -1.
    @inline(__always)
    func child(of node: Int, key: UnsafePointer<UInt8>, count: Int, escaped: Bool) -> Int {
        if !escaped { return child(of: node, key: key, count: count) }
        let decoded = JSONField.unescape(UnsafeRawBufferPointer(start: key, count: count))
        return decoded.withUnsafeBufferPointer { child(of: node, key: $0.baseAddress!, count: $0.count) }
    }

    /// A cheap hash of a key: its length and its first, middle and last bytes (keys of one
    /// object nearly always differ in those; the rare tie costs one more probe).
    @inline(__always)
    static func keyHash(_ key: UnsafePointer<UInt8>, _ count: Int) -> UInt32 {
        guard count > 0 else { return 0 }
        let x = UInt32(truncatingIfNeeded: count) &* 0x0100_0193
            ^ UInt32(key[0]) &* 0x9E37_79B1 ^ UInt32(key[count - 1]) &* 0x85EB_CA77
            ^ UInt32(key[count >> 1]) &* 0xC2B2_AE3D
        let y = (x ^ (x >> 16)) &* 0x7FEB_352D
        return y ^ (y >> 15)
    }

    @inline(__always)
    func hasChildren(_ node: Int) -> Bool { childCount[node] > 0 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
