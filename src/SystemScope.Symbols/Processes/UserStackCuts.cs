namespace SystemScope.Symbols.Processes;

/// <summary>Why a user stack was cut above its leaf.</summary>
internal enum StackCutReason : byte
{
    /// <summary>A return address of 0: the walk ran past the outermost frame.</summary>
    Zero,

    /// <summary>An address above the user half of the address space (0x00007fffffffffff): not a user return address.</summary>
    NonCanonical,

    /// <summary>The same address over and over to the end: a frame-pointer chain that points to itself.</summary>
    Repeat,

    /// <summary>An address in no executable mapping of the process, even after its mappings were read again: data, not code.</summary>
    Unmapped,
}

/// <summary>
/// Where a user stack stops being a stack, and how often that happened. Frame-pointer walks through
/// code built without frame pointers follow whatever <c>rbp</c> holds: they run on into heap pointers,
/// ASCII text or a loop, and those "frames" must not become frames.
/// </summary>
internal sealed class UserStackCuts
{
    private const ulong LastUserAddress = 0x0000_7fff_ffff_ffff;

    private readonly long[] _byReason = new long[4];
    private long _stacks;
    private long _frames;

    /// <summary>
    /// How many frames, leaf first, pass the checks that need no mappings. The leaf always passes: it is
    /// where the thread was. A return address may repeat (direct recursion does that); a run of one
    /// address that lasts to the end of the stack is a loop and keeps only its first frame.
    /// </summary>
    public static int ValidPrefix(ReadOnlySpan<ulong> addresses, out StackCutReason reason)
    {
        reason = StackCutReason.Zero;
        var length = addresses.Length;
        for (var i = 1; i < addresses.Length; i++)
        {
            if (addresses[i] == 0 || addresses[i] > LastUserAddress)
            {
                reason = addresses[i] == 0 ? StackCutReason.Zero : StackCutReason.NonCanonical;
                length = i;
                break;
            }
        }

        // Among return addresses only: the leaf is an instruction pointer, equal by chance at most.
        var runStart = length - 1;
        while (runStart > 1 && addresses[runStart] == addresses[runStart - 1])
        {
            runStart--;
        }

        if (runStart >= 1 && runStart < length - 1)
        {
            reason = StackCutReason.Repeat;
            length = runStart + 1;
        }

        return length;
    }

    public void Record(StackCutReason reason, int framesDropped)
    {
        Interlocked.Increment(ref _byReason[(int)reason]);
        Interlocked.Increment(ref _stacks);
        Interlocked.Add(ref _frames, framesDropped);
    }

    public UserStackCutCounts Snapshot() => new(
        Stacks: Interlocked.Read(ref _stacks),
        FramesDropped: Interlocked.Read(ref _frames),
        AtZero: Interlocked.Read(ref _byReason[(int)StackCutReason.Zero]),
        AtNonCanonical: Interlocked.Read(ref _byReason[(int)StackCutReason.NonCanonical]),
        AtRepeat: Interlocked.Read(ref _byReason[(int)StackCutReason.Repeat]),
        AtUnmapped: Interlocked.Read(ref _byReason[(int)StackCutReason.Unmapped]));
}
