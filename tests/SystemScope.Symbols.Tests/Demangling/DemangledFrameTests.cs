using System.Globalization;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Demangling;

/// <summary>Frames of a running C++ program carry demangled names, with the mangled one kept for search.</summary>
[Collection(ManglingBinariesCollection.Name)]
public sealed class DemangledFrameTests(ManglingBinaries binaries, ITestOutputHelper output)
{
    [Fact]
    public void Every_function_of_a_running_cxx_program_resolves_to_the_name_nm_demangles()
    {
        using var symbolizer = new Symbolizer();
        using var program = RunningProgram.Start(binaries.Cxx, binaries.Directory);
        var functions = FunctionsByAddress(binaries.Cxx);
        var bias = program.Addresses["spin_in_cxx"] - functions.Single(f => f.Value.Any(n => n.Demangled == "spin_in_cxx(unsigned long volatile*)")).Key;

        var named = 0;
        var demangled = 0;
        var stillMangled = new List<string>();
        foreach (var (address, names) in functions)
        {
            var frame = Frames.User(symbolizer, program.Pid, address + bias)[0];
            if (frame.Kind != FrameKind.Native)
            {
                continue; // unsized symbols (_start's neighbours) are not functions the table holds
            }

            named++;
            var match = names.FirstOrDefault(n => n.Demangled == frame.Name);
            Assert.True(match.Mangled is not null, $"0x{address:x}: '{frame.Name}' is none of nm's names there: {string.Join(" | ", names.Select(n => n.Demangled))}");
            if (match.Mangled != match.Demangled)
            {
                // Aliases (a constructor's C1 and C2) demangle alike: the raw name is one of them.
                demangled++;
                Assert.Contains(names, n => n.Demangled == frame.Name && n.Mangled == frame.RawName);
            }
            else
            {
                Assert.Null(frame.RawName);
            }

            if (frame.Name.StartsWith("_Z", StringComparison.Ordinal) && names.Any(n => n.Mangled == frame.Name && n.Demangled != n.Mangled))
            {
                stillMangled.Add(frame.Name);
            }
        }

        Assert.True(demangled >= 10, $"only {demangled} demangled frames");
        Assert.Empty(stillMangled);
        output.WriteLine($"{named} functions resolved by name, {demangled} of them demangled, {stillMangled.Count} left mangled where nm demangles them");
    }

    /// <summary>Defined function symbols by ELF address, with their mangled and demangled names (aliases share an address).</summary>
    private static Dictionary<ulong, List<(string Mangled, string Demangled)>> FunctionsByAddress(string path)
    {
        var raw = Tool.Run("nm", "-p", "--defined-only", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var demangled = NmDemangled.Pairs(path, dynamic: false);
        var addresses = raw.Select(l => l.Split(' ', 3)).Where(p => p.Length == 3 && "TtWwi".Contains(p[1], StringComparison.Ordinal)).Select(p => ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(addresses.Count, demangled.Count);
        var result = new Dictionary<ulong, List<(string, string)>>();
        for (var i = 0; i < addresses.Count; i++)
        {
            if (!result.TryGetValue(addresses[i], out var names))
            {
                result[addresses[i]] = names = [];
            }

            names.Add(demangled[i]);
        }

        return result;
    }
}
