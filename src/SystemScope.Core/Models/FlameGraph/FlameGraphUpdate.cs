namespace SystemScope.Core.Models.FlameGraph;

/// <summary>What a client of a call tree has seen: the epoch and version, and how many frames and nodes it holds.</summary>
public readonly record struct FlameGraphCursor(int Epoch, int Version, int NodeCount, int FrameCount)
{
    public static FlameGraphCursor None => new(-1, 0, 0, 0);
}

/// <summary>
/// A call tree in columns, whole (<see cref="Full"/>) or as the change since a client's cursor:
/// frames and nodes appended from <see cref="FrameBase"/> and <see cref="NodeBase"/>, and new totals
/// for older nodes that changed. Node 0 is the root (parent -1). Frame kinds are
/// <see cref="Symbols.FrameKind"/> values. Columns keep 100k-node trees compact on the wire.
/// </summary>
public sealed class FlameGraphUpdate
{
    public int Epoch { get; init; }

    public int Version { get; init; }

    public bool Full { get; init; }

    public long TotalSamples { get; init; }

    public int FrameBase { get; init; }

    public required string[] FrameNames { get; init; }

    public required string?[] FrameModules { get; init; }

    /// <summary>Per frame, the name as the binary spells it (a mangled C++ or Rust name) when it differs from the shown one; else null.</summary>
    public string?[] FrameRawNames { get; init; } = [];

    public required int[] FrameKinds { get; init; }

    public int NodeBase { get; init; }

    public required int[] NodeParents { get; init; }

    public required int[] NodeFrames { get; init; }

    public required long[] NodeTotals { get; init; }

    public required long[] NodeSelfs { get; init; }

    public required int[] UpdatedNodes { get; init; }

    public required long[] UpdatedTotals { get; init; }

    public required long[] UpdatedSelfs { get; init; }

    public FlameGraphCursor Cursor => new(Epoch, Version, NodeBase + NodeParents.Length, FrameBase + FrameNames.Length);
}
