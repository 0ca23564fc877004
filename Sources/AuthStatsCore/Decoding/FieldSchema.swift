/// The set of JSON paths a scan extracts, as a trie over object keys.
///
/// A path is dot-separated keys (`endpoint.User.UserId`); a numeric component selects an
/// array element (`client_id.0`). Each path gets a slot, in the order given, and the scanner
/// fills `fields[slot]` with where its value lies in the record.
///
/// The trie is stored flat (keys in one byte array, children and subtree slots as ranges of
/// index arrays), so the scanner's inner loop reads it without reference counting.
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
        let number = Dictionary(uniqueKeysWithValues: order.enumerated().map { (ObjectIdentifier($1), Int32($0)) })
        var keyStart: [Int32] = [], keyLength: [Int32] = [], childStart: [Int32] = [], childCount: [Int32] = []
        var slotOf: [Int32] = [], subtreeStart: [Int32] = [], subtreeCount: [Int32] = []
        var keyBytes: [UInt8] = [], childIndex: [Int32] = [], subtreeIndex: [Int32] = []
        for node in order {
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
        let tables = [keyStart, keyLength, childStart, childCount, slotOf, subtreeStart, subtreeCount, childIndex, subtreeIndex]
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
}

/// Unsafe, retain-free views of a `FieldSchema` for the scanner's inner loop; valid while the
/// schema lives (the scanner holds it). Unchecked Sendable: it points into immutable storage.
struct SchemaView: @unchecked Sendable {
    let keyStart, keyLength, childStart, childCount, slotOf, subtreeStart, subtreeCount, childIndex, subtreeIndex: UnsafePointer<Int32>
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
        keyBytes = UnsafePointer(schema.bytes)
    }

    /// The child of `node` whose key is the `count` bytes at `key`, or -1.
    @inline(__always)
    func child(of node: Int, key: UnsafePointer<UInt8>, count: Int) -> Int {
        let first = Int(childStart[node])
        for i in first..<first + Int(childCount[node]) {
            let candidate = Int(childIndex[i])
            guard Int(keyLength[candidate]) == count else { continue }
            let expected = keyBytes + Int(keyStart[candidate])
            var k = 0
            while k < count && expected[k] == key[k] { k += 1 }  // keys are short: no libc call
            if k == count { return candidate }
        }
        return -1
    }

    @inline(__always)
    func hasChildren(_ node: Int) -> Bool { childCount[node] > 0 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
