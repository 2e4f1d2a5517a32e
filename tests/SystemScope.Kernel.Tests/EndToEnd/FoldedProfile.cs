using System.Globalization;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary>Folded stacks as printed by <c>record --format folded</c>, parsed back for assertions.</summary>
public sealed class FoldedProfile
{
    private FoldedProfile(IReadOnlyList<(string[] Frames, long Count)> stacks) => Stacks = stacks;

    public IReadOnlyList<(string[] Frames, long Count)> Stacks { get; }

    public long Total => Stacks.Sum(s => s.Count);

    /// <summary>Parses and checks the format: every line is <c>frame;frame count</c> with a positive count.</summary>
    public static FoldedProfile Parse(string text)
    {
        var stacks = new List<(string[], long)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"folded line without a count: '{line}'");
            Assert.True(long.TryParse(line[(space + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0, $"bad count in '{line}'");
            var frames = line[..space].Split(';');
            Assert.All(frames, f => Assert.False(string.IsNullOrEmpty(f), $"empty frame in '{line}'"));
            stacks.Add((frames, count));
        }

        return new FoldedProfile(stacks);
    }

    /// <summary>Samples whose stack contains a frame with this exact name.</summary>
    public long SamplesIn(string frame) => Stacks.Where(s => s.Frames.Contains(frame)).Sum(s => s.Count);

    public long SamplesWhere(Func<string[], bool> predicate) => Stacks.Where(s => predicate(s.Frames)).Sum(s => s.Count);
}
