/// The set of JSON paths a scan extracts, as a trie over object keys.
///
/// A path is dot-separated keys (`endpoint.User.UserId`); a numeric component selects an
/// array element (`client_id.0`). Each path gets a slot, in the order given, and the scanner
/// fills `fields[slot]` with where its value lies in the record.
public struct FieldSchema: Sendable {
    struct Node: Sendable {
        var key: [UInt8]
        var children: [Int] = []
        var slot = -1
        /// Every slot at or below this node: cleared when the key occurs again, so that the
        /// last occurrence of a duplicated key wins as a whole (as in `JSONSerialization`).
        var subtreeSlots: [Int] = []
    }

    var nodes: [Node] = [Node(key: [])]
    public let paths: [String]

    public init(_ paths: [String]) {
        self.paths = paths
        for (slot, path) in paths.enumerated() {
            var current = 0
            nodes[0].subtreeSlots.append(slot)
            for component in path.split(separator: ".") {
                let key = Array(component.utf8)
                if let existing = nodes[current].children.first(where: { nodes[$0].key == key }) {
                    current = existing
                } else {
                    nodes.append(Node(key: key))
                    nodes[current].children.append(nodes.count - 1)
                    current = nodes.count - 1
                }
                nodes[current].subtreeSlots.append(slot)
            }
            precondition(nodes[current].slot == -1, "duplicate path \(path)")
            nodes[current].slot = slot
        }
    }

    public var slotCount: Int { paths.count }

    /// The child of `node` whose key is `key`, or -1.
    @inline(__always)
    func child(of node: Int, key: UnsafeRawBufferPointer) -> Int {
        for candidate in nodes[node].children {
            let k = nodes[candidate].key
            if k.count == key.count && k.withUnsafeBytes({ $0.elementsEqual(key) }) { return candidate }
        }
        return -1
    }

    @inline(__always)
    func hasChildren(_ node: Int) -> Bool { !nodes[node].children.isEmpty }
}
