using System.Diagnostics;
using System.Text;
using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Demangling;

/// <summary>Names cut short, nested without end or built to explode give their raw form back, quickly and without throwing.</summary>
[Collection(ManglingBinariesCollection.Name)]
public sealed class DemanglerRobustnessTests(ManglingBinaries binaries, ITestOutputHelper output)
{
    [Fact]
    public void Every_prefix_of_every_real_name_demangles_or_comes_back_unchanged_without_throwing()
    {
        var names = NmDemangled.Pairs(binaries.RustV0, dynamic: false).Concat(NmDemangled.Pairs(binaries.RustLegacy, dynamic: false))
            .Select(p => p.Mangled).Where(n => n.StartsWith("_R", StringComparison.Ordinal) || n.StartsWith("_ZN", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(names.Count > 500);

        var prefixes = 0;
        foreach (var name in names)
        {
            for (var length = 1; length < name.Length; length++)
            {
                var cut = name[..length];
                var result = Demangler.Demangle(cut);
                Assert.True(ReferenceEquals(result, cut) || result.Length <= 64 * 1024);
                prefixes++;
            }
        }

        output.WriteLine($"{prefixes} prefixes of {names.Count} names");
    }

    [Fact]
    public void Nesting_beyond_the_depth_limit_comes_back_unchanged()
    {
        var deep = "_R" + new string('I', 100_000) + "C1a" + new string('E', 100_000);
        Assert.Same(deep, Demangler.Demangle(deep));

        var deepTypes = "_RINvC1a1f" + new string('R', 100_000) + "uEB2_";
        Assert.Same(deepTypes, Demangler.Demangle(deepTypes));
    }

    [Fact]
    public void Back_references_that_double_the_output_at_each_level_hit_the_size_limit()
    {
        // Type k is a pair of two back-references to type k-1: 2^40 units once printed.
        var symbol = new StringBuilder("NvC1a1f");
        var generic = new StringBuilder("INvC1a1f");
        var previous = generic.Length; // where the first type starts, counted after "_R"
        generic.Append('u');
        for (var level = 0; level < 40; level++)
        {
            var start = generic.Length;
            var backref = "B" + Base62(previous) + "_";
            generic.Append('T').Append(backref).Append(backref).Append('E');
            previous = start;
        }

        var name = "_R" + generic.Append('E');
        var clock = Stopwatch.StartNew();
        Assert.Same(name, Demangler.Demangle(name));
        output.WriteLine($"{name.Length}-character name refused in {clock.Elapsed.TotalMilliseconds:0.0} ms");
        Assert.Equal("a::f", Demangler.Demangle("_R" + symbol));
    }

    [Theory]
    [InlineData("_RINvC1a1fB7_E")] // a back-reference to itself
    [InlineData("_RINvC1a1fBz_E")] // forward
    [InlineData("_RNvC1a1fX")] // trailing garbage
    [InlineData("_RNvC1a1f$.llvm")] // only the suffix may hold other characters
    [InlineData("_Z")]
    [InlineData("f")] // a C function that the C++ type grammar would read as float
    public void Malformed_names_come_back_unchanged(string name) => Assert.Same(name, Demangler.Demangle(name));

    [Theory]
    [InlineData("_ZN3foo3barE", "foo::bar")] // no hash: C++, not Rust
    [InlineData("_ZN3foo17h0000000000000000E", "foo::h0000000000000000")] // a "hash" of one digit is no hash: C++ again
    [InlineData("_RINvC1a1fB0_E", "a::f::<a::f>")] // a back-reference to the path before
    [InlineData("_ZN4core3fmt5write17h0123456789abcdefE.llvm.12345", "core::fmt::write")]
    [InlineData("_ZN42_$LT$$RF$T$u20$as$u20$core..fmt..Debug$GT$3fmt17h8162d2eb1e35a463E", "<&T as core::fmt::Debug>::fmt")]
    [InlineData("_RNvNtCs1234_4core3ptr13drop_in_place.llvm.999", "core::ptr::drop_in_place")]
    [InlineData("_RINvC1a1fKRe616263_E", "a::f::<\"abc\">")]
    [InlineData("_RINvC1a1fKAj1_j2_EE", "a::f::<{[1, 2]}>")]
    public void Known_pairs_demangle(string mangled, string expected) => Assert.Equal(expected, Demangler.Demangle(mangled));

    [Fact]
    [Trait("Category", "Measurement")]
    public void Cost_per_name()
    {
        var library = Directory.GetFiles(Path.Combine(binaries.RustSysroot, "lib"), "librustc_driver-*.so").Single();
        (string Kind, List<string> Names)[] sets =
        [
            ("C++ (libstdc++'s exports)", NmDemangled.Pairs("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", dynamic: true).Select(p => p.Mangled).Where(n => n.StartsWith("_Z", StringComparison.Ordinal)).ToList()),
            ("Rust v0 (librustc_driver's exports)", NmDemangled.Pairs(library, dynamic: true).Select(p => p.Mangled).Where(n => n.StartsWith("_R", StringComparison.Ordinal)).ToList()),
            ("Rust legacy", NmDemangled.Pairs(binaries.RustLegacy, dynamic: false).Select(p => p.Mangled).Where(n => n.StartsWith("_ZN", StringComparison.Ordinal)).ToList()),
            ("C (libc's exports, not mangled)", NmDemangled.Pairs("/lib/x86_64-linux-gnu/libc.so.6", dynamic: true).Select(p => p.Mangled).ToList()),
        ];
        foreach (var (kind, names) in sets)
        {
            Assert.NotEmpty(names);
            var best = double.MaxValue;
            for (var round = 0; round < 5; round++)
            {
                var clock = Stopwatch.StartNew();
                foreach (var name in names)
                {
                    Demangler.Demangle(name);
                }

                best = Math.Min(best, clock.Elapsed.TotalNanoseconds / names.Count);
            }

            output.WriteLine($"{kind}: {best:0} ns per name over {names.Count} names (mean length {names.Average(n => n.Length):0})");
        }
    }

    private static string Base62(int position)
    {
        // The encoding of n is n-1 in base 62 then '_', and 0 is just '_'.
        if (position == 0)
        {
            return string.Empty;
        }

        const string digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var value = position - 1;
        var text = string.Empty;
        do
        {
            text = digits[value % 62] + text;
            value /= 62;
        }
        while (value > 0);
        return text;
    }
}
