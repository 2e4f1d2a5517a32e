namespace SystemScope.Symbols.Binaries;

/// <summary>
/// A binary file as the file system knows it: device and inode from the process's mappings, size and
/// modification time from the opened file. Used when a binary has no build id, and to skip re-reading
/// a build id for a file already seen.
/// </summary>
internal readonly record struct BinaryIdentity(uint Device, ulong Inode, long Size, long ModifiedTicks);

/// <summary>One PT_LOAD segment: file offsets [Offset, Offset + FileSize) are loaded at VirtualAddress.</summary>
internal readonly record struct LoadSegment(ulong Offset, ulong FileSize, ulong VirtualAddress);
