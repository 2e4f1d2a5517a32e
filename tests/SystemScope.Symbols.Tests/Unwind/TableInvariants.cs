using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

internal static class TableInvariants
{
    /// <summary>Rows strictly increasing and never repeating their predecessor's rule; functions sorted and disjoint.</summary>
    public static void AssertWellFormed(UnwindTable table)
    {
        for (var i = 1; i < table.Rows.Length; i++)
        {
            Assert.True(table.Rows[i - 1].Address < table.Rows[i].Address, $"row {i} does not increase: {table.Rows[i - 1]} then {table.Rows[i]}");
            Assert.False(table.Rows[i - 1].SameRuleAs(table.Rows[i]), $"row {i} repeats its predecessor: {table.Rows[i]}");
        }

        for (var i = 1; i < table.Functions.Length; i++)
        {
            Assert.True(table.Functions[i - 1].End <= table.Functions[i].Start, $"functions {i - 1} and {i} overlap");
        }

        Assert.All(table.Functions, f => Assert.True(f.Start < f.End));
        Assert.Equal(table.Rows.Length, table.Statistics.Rows);
    }
}
