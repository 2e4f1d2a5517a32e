using System.Globalization;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>BPF programs loaded after kallsyms was first read get their names, with re-reads rate-limited.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class KernelSymbolReloadTests(NativeBinaries binaries)
{
    [KernelFact]
    public void A_bpf_program_loaded_after_the_first_lookup_is_named_by_a_re_read_of_kallsyms()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { KernelSymbolsRefreshInterval = TimeSpan.Zero });
        var schedule = Frames.Kernel(symbolizer, KallsymsAddress("schedule"))[0];
        Assert.Equal("schedule", schedule.Name);

        var (program, name, address) = LoadBpfProgram();
        using (program)
        {
            var frames = Frames.Kernel(symbolizer, address + 2, KallsymsAddress("schedule") + 4);

            AssertFrame(frames[0], name, "bpf", FrameKind.Kernel);
            Assert.Equal(1, symbolizer.Diagnostics.KernelSymbolReloads);

            // Frames handed out before the re-read stay the same instances.
            Assert.Same(schedule, frames[1]);
        }
    }

    [KernelFact]
    public void Within_the_refresh_interval_a_new_program_stays_an_address()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { KernelSymbolsRefreshInterval = TimeSpan.FromHours(1) });
        Assert.Equal("schedule", Frames.Kernel(symbolizer, KallsymsAddress("schedule"))[0].Name);

        var (program, _, address) = LoadBpfProgram();
        using (program)
        {
            AssertFrame(Frames.Kernel(symbolizer, address + 2)[0], $"[kernel]+0x{address + 2:x}", "[kernel]", FrameKind.Unknown);
            Assert.Equal(0, symbolizer.Diagnostics.KernelSymbolReloads);
        }
    }

    [KernelFact]
    public void An_address_a_re_read_did_not_cover_does_not_cause_another()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { KernelSymbolsRefreshInterval = TimeSpan.Zero });
        var nowhere = 0xffff_ffff_ffff_f000UL; // the last page: never code
        Assert.Equal(FrameKind.Unknown, Frames.Kernel(symbolizer, nowhere)[0].Kind);
        Assert.Equal(1, symbolizer.Diagnostics.KernelSymbolReloads);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(FrameKind.Unknown, Frames.Kernel(symbolizer, nowhere)[0].Kind);
        }

        Assert.Equal(1, symbolizer.Diagnostics.KernelSymbolReloads);
    }

    /// <summary>Starts the loader, has it load a program with a name unique to this run, and finds the program in kallsyms.</summary>
    private (RunningProgram Program, string Name, ulong Address) LoadBpfProgram()
    {
        var tag = $"ssn_{Environment.ProcessId % 100000}_{Random.Shared.Next(1000)}";
        var program = binaries.Start(binaries.BpfLoader, tag);
        try
        {
            program.Send("load");
            var answer = program.ReadUntil("loaded");
            var line = File.ReadLines("/proc/kallsyms").FirstOrDefault(l => l.Contains($"_{tag}\t[bpf]", StringComparison.Ordinal) || l.EndsWith($"_{tag}", StringComparison.Ordinal));
            Assert.True(line is not null, $"bpf_prog_…_{tag} is not in kallsyms (net.core.bpf_jit_kallsyms off?): {answer}");
            var parts = line.Split(' ', 3);
            var name = parts[2].Split('\t')[0];
            return (program, name, ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        catch
        {
            program.Dispose();
            throw;
        }
    }

    private static ulong KallsymsAddress(string name)
    {
        var line = File.ReadLines("/proc/kallsyms").First(l => l.EndsWith($" T {name}", StringComparison.Ordinal) || l.EndsWith($" t {name}", StringComparison.Ordinal));
        return ulong.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
