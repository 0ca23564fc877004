/// The size above which the C allocator gives a buffer a mapping of its own, returned to the
/// system when freed, once `Allocator.keepLargeBuffersApart` has set its threshold to this (the
/// command-line tool does, at start): a buffer above it is faulted in anew each time it is
/// made; one below it is taken from the heap again.
public enum LargeBuffers {
    public static let ownMappingBytes = 4 << 20
}
