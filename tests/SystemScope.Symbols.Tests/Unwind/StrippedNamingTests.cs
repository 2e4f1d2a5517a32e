using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Support;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// In a stripped binary every address of a function that no symbol covers gets one name,
/// <c>fn_HEXSTART</c> from the FDE that covers it, and different functions get different names.
/// </summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class StrippedNamingTests(UnwindBinaries binaries)
{
    [Fact]
    public void A_stripped_program_names_each_function_once()
    {
        var image = Load(binaries.Stripped);
        Assert.Equal("none", image.SymbolSource);

        // strip keeps every address: the unstripped build says where each function is.
        var functions = ReadelfFrames.Read(binaries.WithoutFramePointers).Where(f => f.End > f.Start).ToDictionary(f => f.Start);
        var named = NativeBinaries.NmFunctions(binaries.WithoutFramePointers).Where(f => functions.ContainsKey(f.Value)).ToList();
        Assert.True(named.Count >= 23, $"{named.Count} functions with FDEs");

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (symbol, start) in named)
        {
            var end = functions[start].End;
            var name = NameAt(image, start);
            Assert.Equal($"fn_{start:x}", name);
            Assert.All(Addresses(start, end), address => Assert.Equal(name, NameAt(image, address)));
            Assert.True(names.Add(name), $"{symbol}: {name} is also another function's name");
        }
    }

    [Fact]
    public void Debians_sha256sum_names_each_fde_once()
    {
        const string path = "/usr/bin/sha256sum";
        var image = Load(path);
        Assert.Equal("none", image.SymbolSource); // its .dynsym only imports: no function of its own has a symbol

        var fdes = ReadelfFrames.Read(path).Where(f => f.End > f.Start).ToList();
        Assert.True(fdes.Count > 50);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var unnamedBySymbols = 0;
        foreach (var fde in fdes)
        {
            var name = NameAt(image, fde.Start);
            Assert.All(Addresses(fde.Start, fde.End), address => Assert.Equal(name, NameAt(image, address)));
            Assert.True(names.Add(name), $"FDE 0x{fde.Start:x}: {name} is also another FDE's name");
            if (name.StartsWith("fn_", StringComparison.Ordinal))
            {
                Assert.Equal($"fn_{fde.Start:x}", name);
                unnamedBySymbols++;
            }
        }

        Assert.True(unnamedBySymbols > 50, $"only {unnamedBySymbols} FDEs without a symbol");
    }

    private static IEnumerable<ulong> Addresses(ulong start, ulong end) => [start, start + ((end - start) / 2), end - 1];

    private static string NameAt(BinaryImage image, ulong address)
    {
        var index = image.Functions.Find(address);
        Assert.True(index >= 0, $"nothing names 0x{address:x}");
        return image.Functions.NameOf(index);
    }

    private static BinaryImage Load(string path)
    {
        var loader = new BinaryLoader(new BinaryCache(16, 1L << 30), new DebugFileLocator([]), new FailureLog());
        using var opened = new OpenedBinary(new BinaryIdentity(0, 1, 0, 0), File.OpenHandle(path), path, null, 0);
        return loader.Load(opened);
    }
}

/// <summary>How FDE ranges join the symbols of a function table.</summary>
public sealed class FunctionTableFillTests
{
    [Fact]
    public void Ranges_fill_only_what_no_symbol_covers_and_stop_where_a_symbol_starts()
    {
        var names = "a\0b\0"u8.ToArray();
        var table = new Elf.FunctionTable([0x100, 0x200], [0x120, 0x240], [0, 2], names)
            .WithUnnamedRanges([(0x80, 0x90), (0x100, 0x120), (0x1F0, 0x240), (0x300, 0x310)]);

        string?[] expected = ["fn_80", "a", "fn_1f0", "b", "fn_300", null];
        ulong[] probes = [0x8F, 0x110, 0x1FF, 0x200, 0x300, 0x310];
        for (var i = 0; i < probes.Length; i++)
        {
            var index = table.Find(probes[i]);
            Assert.Equal(expected[i], index < 0 ? null : table.NameOf(index));
        }

        Assert.Equal(5, table.Count);
    }
}
