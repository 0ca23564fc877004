/// The size above which a buffer gets a mapping of its own from the C allocator, given back
/// to the system when freed (`Allocator.keepLargeBuffersApart` sets it): a buffer above it is
/// faulted in anew each time it is made; one below it is taken from the heap again.
public enum LargeBuffers {
    public static let ownMappingBytes = 4 << 20
}
