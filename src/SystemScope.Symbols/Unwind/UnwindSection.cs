namespace SystemScope.Symbols.Unwind;

/// <summary>One unwind section's bytes (decompressed) and what its pointers are relative to.</summary>
/// <param name="Name"><c>.eh_frame</c> or <c>.debug_frame</c>.</param>
/// <param name="Priority">0 for <c>.eh_frame</c>; <c>.debug_frame</c> (1) only fills what it leaves.</param>
/// <param name="PltRanges">The address ranges of <c>.plt</c>, <c>.plt.sec</c> and <c>.plt.got</c>.</param>
internal sealed record UnwindSection(string Name, byte[] Data, PointerBases Bases, int Priority, (ulong Start, ulong End)[] PltRanges)
{
    public const string EhFrame = ".eh_frame";
    public const string DebugFrame = ".debug_frame";

    /// <summary>.eh_frame marks a CIE with id 0 and points back relatively; .debug_frame uses all-ones and section offsets.</summary>
    public bool IsEhFrame => Name == EhFrame;

    public bool CoversPlt(ulong start, ulong end)
    {
        foreach (var (pltStart, pltEnd) in PltRanges)
        {
            if (start < pltEnd && pltStart < end)
            {
                return true;
            }
        }

        return false;
    }
}
