using System.Text;

namespace SystemScope.Symbols.Unwind;

/// <summary>What building one <see cref="UnwindTable"/> read, kept and left out, and why.</summary>
public sealed class UnwindStatistics
{
    private readonly int[] _downgraded = new int[Enum.GetValues<UnwindDowngrade>().Length];
    private readonly int[] _defects = new int[Enum.GetValues<UnwindDefect>().Length];

    /// <summary>CIEs parsed.</summary>
    public int Cies { get; internal set; }

    /// <summary>FDEs read (including those later cut by corrupt instructions).</summary>
    public int Fdes { get; internal set; }

    /// <summary>FDEs left out whole: no CIE, bad encodings, truncated headers, an empty or wrapping range.</summary>
    public int FdesSkipped { get; internal set; }

    /// <summary>FDEs whose instructions were corrupt part-way: their rows up to there are kept.</summary>
    public int FdesCut { get; internal set; }

    /// <summary>Rows in the finished table.</summary>
    public int Rows { get; internal set; }

    /// <summary>The first defect found, with the section and offset: a reason to show.</summary>
    public string? FirstDefect { get; private set; }

    /// <summary>Rows (per FDE, before merging neighbours) that became <see cref="UnwindRule.FramePointer"/> for <paramref name="reason"/>.</summary>
    public int Downgraded(UnwindDowngrade reason) => _downgraded[(int)reason];

    public int DowngradedTotal => _downgraded.Sum();

    /// <summary>How often <paramref name="defect"/> was met.</summary>
    public int Defects(UnwindDefect defect) => _defects[(int)defect];

    public int DefectsTotal => _defects.Sum();

    public override string ToString()
    {
        var text = new StringBuilder($"{Cies} CIEs, {Fdes} FDEs ({FdesSkipped} skipped, {FdesCut} cut), {Rows} rows");
        foreach (var reason in Enum.GetValues<UnwindDowngrade>())
        {
            if (Downgraded(reason) > 0)
            {
                text.Append($"; {Downgraded(reason)} rows to frame pointers ({reason})");
            }
        }

        foreach (var defect in Enum.GetValues<UnwindDefect>())
        {
            if (Defects(defect) > 0)
            {
                text.Append($"; {Defects(defect)}× {defect}");
            }
        }

        return text.ToString();
    }

    internal void Record(UnwindDowngrade reason) => _downgraded[(int)reason]++;

    internal void Record(UnwindDefect defect, string section, long offset, string detail)
    {
        _defects[(int)defect]++;
        FirstDefect ??= $"{section} at 0x{offset:x}: {detail}";
    }
}
