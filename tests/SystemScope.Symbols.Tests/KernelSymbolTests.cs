using System.Globalization;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Kernel;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

public sealed class KernelSymbolTests
{
    [KernelFact]
    public void Kernel_addresses_resolve_to_their_kallsyms_functions()
    {
        var symbols = ReadKallsyms("/proc/kallsyms");
        var schedule = symbols["schedule"];
        var openat = symbols["do_sys_openat2"];
        Assert.NotEqual(0UL, schedule); // root sees real addresses

        using var symbolizer = new Symbolizer();
        var frames = Frames.Kernel(symbolizer, schedule + 4, openat + 16, schedule);

        AssertFrame(frames[0], "schedule", "kernel", FrameKind.Kernel);
        AssertFrame(frames[1], "do_sys_openat2", "kernel", FrameKind.Kernel);

        // A caller frame at a function's first byte is the return address of a call ending the function before it.
        Assert.NotEqual("schedule", frames[2].Name);
        Assert.Equal(FrameKind.Kernel, frames[2].Kind);
        Assert.Same(frames[0], Frames.Kernel(symbolizer, schedule + 8)[0]);
        Assert.True(symbolizer.Diagnostics.KernelSymbols > 1000);
    }

    [Fact]
    public void An_address_outside_the_kernel_is_named_kernel_plus_address()
    {
        using var symbolizer = new Symbolizer();
        AssertFrame(Frames.Kernel(symbolizer, 0x42)[0], "[kernel]+0x42", "[kernel]", FrameKind.Unknown);
    }

    [Fact]
    public void Module_symbols_carry_their_module_and_data_ends_the_code_before_it()
    {
        using var proc = new TempDirectory();
        proc.Write("kallsyms", """
            ffffffff81000000 T _stext
            ffffffff81000100 T first_function
            ffffffff81000200 t static_function
            ffffffff81000300 D some_data
            ffffffff81000400 T _etext
            ffffffffc0001000 t nft_do_chain	[nf_tables]
            ffffffffc0001100 T nft_register	[nf_tables]
            ffffffffc0002000 t bpf_prog_6deef7357e7b4530_handler	[bpf]
            """);
        using var symbolizer = new Symbolizer(new SymbolizerOptions { ProcRoot = proc.Path });

        var frames = Frames.Kernel(symbolizer, 0xffffffff81000110, 0xffffffff81000250, 0xffffffff81000310, 0xffffffffc0001010, 0xffffffffc0002040, 0xffffffffc0002000, 0xffffffffc0003001);

        AssertFrame(frames[0], "first_function", "kernel", FrameKind.Kernel);
        AssertFrame(frames[1], "static_function", "kernel", FrameKind.Kernel);
        AssertFrame(frames[2], "[kernel]+0xffffffff81000310", "[kernel]", FrameKind.Unknown);
        AssertFrame(frames[3], "nft_do_chain", "nf_tables", FrameKind.Kernel);

        AssertFrame(frames[4], "bpf_prog_6deef7357e7b4530_handler", "bpf", FrameKind.Kernel);

        // A caller frame at a symbol's start belongs to the one before; the last symbol spans one page at most.
        AssertFrame(frames[5], "nft_register", "nf_tables", FrameKind.Kernel);
        AssertFrame(frames[6], "[kernel]+0xffffffffc0003001", "[kernel]", FrameKind.Unknown);
    }

    [Fact]
    public void Kallsyms_without_addresses_gives_a_recorded_failure_and_unknown_frames()
    {
        using var proc = new TempDirectory();
        proc.Write("kallsyms", "0000000000000000 T _stext\n0000000000000000 T schedule\n");
        using var symbolizer = new Symbolizer(new SymbolizerOptions { ProcRoot = proc.Path });

        Assert.Equal(FrameKind.Unknown, Frames.Kernel(symbolizer, 0xffffffff81000010)[0].Kind);
        var failure = Assert.Single(symbolizer.Diagnostics.RecentFailures);
        Assert.Equal("kallsyms", failure.What);
        Assert.Contains("kptr_restrict", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Streaming_parse_matches_whole_text_parse_across_chunk_boundaries()
    {
        // 20k lines (about 800 KiB): many 64 KiB chunks, lines cut at every possible place.
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"ffffffff{0x81000000 + (i * 0x40):x8} {(i % 7 == 0 ? 'D' : 'T')} function_number_{i}{(i % 5 == 0 ? "\t[some_module]" : "")}\n");
        }

        var bytes = System.Text.Encoding.ASCII.GetBytes(text.ToString());
        var whole = KernelSymbolTable.Parse(bytes);
        var streamed = KernelSymbolTable.Parse(new MemoryStream(bytes));

        Assert.Equal(whole.Count, streamed.Count);
        for (var i = 1; i < 20_000; i += 97)
        {
            var address = 0xffffffff81000000UL + ((ulong)i * 0x40) + 3;
            var (a, b) = (whole.Find(address), streamed.Find(address));
            Assert.Equal(a, b);
            if (a >= 0)
            {
                Assert.Equal($"function_number_{i}", streamed.NameOf(b));
                Assert.Equal(i % 5 == 0 ? "some_module" : "kernel", streamed.ModuleOf(b));
            }
        }
    }

    [Fact]
    public void Parsing_skips_malformed_lines()
    {
        var table = KernelSymbolTable.Parse("garbage\nffffffff81000000 T ok\n\nzz T bad\nffffffff81000010 T next\n"u8);
        Assert.Equal(2, table.Count);
        Assert.Equal("ok", table.NameOf(table.Find(0xffffffff81000008)));
    }

    private static Dictionary<string, ulong> ReadKallsyms(string path)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[1] is "T" or "t" && !parts[2].Contains('\t', StringComparison.Ordinal))
            {
                result.TryAdd(parts[2], ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return result;
    }
}
