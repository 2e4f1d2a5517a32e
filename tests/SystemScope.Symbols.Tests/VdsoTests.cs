using System.Globalization;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests;

/// <summary>Frames in the vDSO are named after its functions, checked against the image read from the process and nm.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class VdsoTests(NativeBinaries binaries, ITestOutputHelper output)
{
    [Fact]
    public void A_program_spinning_in_clock_gettime_is_named_by_the_vdso_function_it_runs()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.VdsoSpinner);
        var start = program.Addresses["vdso_base"];
        var samples = program.Addresses.Where(a => a.Key.StartsWith("vdso_ip_", StringComparison.Ordinal)).Select(a => a.Value).ToList();
        Assert.True(samples.Count > 0, $"the program never ran in the vDSO: {string.Join(" | ", program.Lines)}");
        using var dump = new TempDirectory();
        var functions = VdsoFunctions(program.Pid, start, dump);

        // Each sample is named after the exported function nm says holds it; code outside them (static
        // helpers the image has no symbol for) after the FDE readelf says holds it.
        var fdes = FdeRanges(Path.Combine(dump.Path, "vdso.so"));
        var inClockGettime = 0;
        var unnamed = 0;
        foreach (var ip in samples)
        {
            var frame = Frames.User(symbolizer, program.Pid, ip)[0];
            var holding = functions.Where(f => ip - start >= f.Value && ip - start < f.Value + f.Size).Select(f => f.Name).ToList();
            if (holding.Count == 0)
            {
                var fde = Assert.Single(fdes, f => ip - start >= f.Start && ip - start < f.End);
                Assert.Equal(($"[vdso]!fn_{fde.Start:x}", FrameKind.Native, "[vdso]"), (frame.Name, frame.Kind, frame.Module));
                unnamed++;
                continue;
            }

            Assert.Equal((FrameKind.Native, "[vdso]"), (frame.Kind, frame.Module));
            Assert.Contains(frame.Name, holding);
            inClockGettime += frame.Name == "__vdso_clock_gettime" ? 1 : 0;
        }

        Assert.True(inClockGettime > 0, $"none of {samples.Count} samples in __vdso_clock_gettime");
        output.WriteLine($"{samples.Count} samples in the vDSO: {inClockGettime} in __vdso_clock_gettime, {unnamed} in helpers named by their FDE");
    }

    [Fact]
    public void Every_function_of_the_vdso_resolves_to_one_of_its_names()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var start = Frames.Mapping(program.Pid, "[vdso]").Start;
        using var dump = new TempDirectory();
        var functions = VdsoFunctions(program.Pid, start, dump);
        Assert.Contains(functions, f => f.Name == "__vdso_clock_gettime");

        foreach (var byAddress in functions.GroupBy(f => f.Value))
        {
            var frame = Frames.User(symbolizer, program.Pid, start + byAddress.Key + 1)[0];
            Assert.Equal(FrameKind.Native, frame.Kind);
            Assert.Contains(frame.Name, byAddress.Select(f => f.Name));
        }

        // Aliases (clock_gettime is a weak alias of __vdso_clock_gettime): the global name wins, as for any library.
        var clock = functions.First(f => f.Name == "__vdso_clock_gettime");
        Assert.Equal("__vdso_clock_gettime", Frames.User(symbolizer, program.Pid, start + clock.Value)[0].Name);
    }

    /// <summary>The FDEs' address ranges by readelf --debug-dump=frames: "FDE cie=… pc=START..END".</summary>
    private static List<(ulong Start, ulong End)> FdeRanges(string path)
    {
        var ranges = new List<(ulong, ulong)>();
        foreach (var line in Tool.Run("readelf", "--debug-dump=frames", path).Split('\n'))
        {
            var at = line.IndexOf(" pc=", StringComparison.Ordinal);
            if (line.Contains(" FDE ", StringComparison.Ordinal) && at >= 0)
            {
                var pair = line[(at + 4)..].Trim().Split("..");
                ranges.Add((ulong.Parse(pair[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(pair[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }
        }

        Assert.NotEmpty(ranges);
        return ranges;
    }

    /// <summary>The vDSO's functions by nm -D on an image dumped from the process's memory (read independently of the symbolizer).</summary>
    private static List<(ulong Value, ulong Size, string Name)> VdsoFunctions(int pid, ulong start, TempDirectory dump)
    {
        var (mapped, end) = Frames.Mapping(pid, "[vdso]");
        Assert.Equal(start, mapped);
        var image = new byte[end - start];
        using (var memory = File.OpenHandle($"/proc/{pid}/mem"))
        {
            Assert.Equal(image.Length, RandomAccess.Read(memory, image, (long)start));
        }

        var path = Path.Combine(dump.Path, "vdso.so");
        File.WriteAllBytes(path, image);
        var functions = new List<(ulong, ulong, string)>();
        foreach (var entry in Tool.Run("nm", "-D", "-S", "--defined-only", path).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(' ');
            if (parts.Length == 4 && parts[2] is "T" or "t" or "W" or "w")
            {
                var name = parts[3];
                var at = name.IndexOf('@', StringComparison.Ordinal);
                functions.Add((ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), at > 0 ? name[..at] : name));
            }
        }

        Assert.NotEmpty(functions);
        return functions;
    }
}
