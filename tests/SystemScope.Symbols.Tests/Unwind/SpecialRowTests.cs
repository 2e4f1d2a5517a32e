using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Tests.Support;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>The rows BPF treats specially: PLT stubs, the signal trampoline, and the outermost frame.</summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class SpecialRowTests(UnwindBinaries binaries)
{
    private const string Libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";

    private static ReadOnlySpan<byte> RtSigreturn => [0x48, 0xC7, 0xC0, 0x0F, 0x00, 0x00, 0x00, 0x0F, 0x05];

    [Fact]
    public void Lazy_plt_stubs_get_the_plt_rule_after_plt0()
    {
        var path = binaries.WithoutFramePointers;
        var plt = Assert.Single(ReadelfAgreement.PltRanges(path), p => p.Start % 16 == 0 && p.End - p.Start >= 48);
        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);

        // PLT0 pushes the GOT entry (CFA rsp+16), then jumps with one more word pushed (rsp+24);
        // every 16-byte stub after it pushes its index at offset 6 and 11: the expression rule.
        Assert.Equal((UnwindRule.CfaRsp, 16), Rule(table, plt.Start));
        Assert.Equal((UnwindRule.CfaRsp, 24), Rule(table, plt.Start + 6));
        for (var address = plt.Start + 16; address < plt.End; address++)
        {
            Assert.Equal((UnwindRule.Plt, 0), Rule(table, address));
        }

        Assert.NotEqual(UnwindRule.Plt, Rule(table, plt.End).Rule);
    }

    [Fact]
    public void Glibcs_signal_trampoline_gets_the_signal_rule()
    {
        var signalFdes = ReadelfFrames.Read(Libc).Where(f => f.Augmentation.Contains('S', StringComparison.Ordinal)).ToList();
        var restoreRt = Assert.Single(signalFdes);
        Assert.True(UnwindTableBuilder.TryBuild(Libc, out var table, out var error), error);

        // __restore_rt is "mov $15, %rax; syscall" (rt_sigreturn); its FDE starts one byte early so that
        // a return address looked up at address - 1 still finds it.
        var code = ReadCode(Libc, restoreRt.Start, (int)(restoreRt.End - restoreRt.Start));
        Assert.True(code.AsSpan().IndexOf(RtSigreturn) >= 0, "the FDE covers rt_sigreturn");
        for (var address = restoreRt.Start; address < restoreRt.End; address++)
        {
            Assert.Equal(UnwindRule.Signal, Rule(table, address).Rule);
        }

        Assert.Equal(1, table.Rows.Count(r => r.Rule == UnwindRule.Signal));
    }

    [Fact]
    public void Start_is_the_outermost_frame()
    {
        var path = binaries.WithoutFramePointers;
        var start = NativeBinaries.NmFunctions(path)["_start"];
        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        Assert.Equal(UnwindRule.End, Rule(table, start).Rule);
        Assert.Equal(UnwindRule.End, Rule(table, start + 8).Rule);
    }

    [Fact]
    public void Function_ranges_are_the_fdes()
    {
        var path = binaries.WithoutFramePointers;
        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        var expected = ReadelfFrames.Read(path).Where(f => f.End > f.Start).Select(f => (f.Start, f.End)).Order().ToArray();
        Assert.Equal(expected, table.Functions);

        foreach (var (name, address) in NativeBinaries.NmFunctions(path).Where(f => f.Key.StartsWith("worker_", StringComparison.Ordinal)))
        {
            Assert.Contains(table.Functions, f => f.Start == address);
        }
    }

    private static (UnwindRule Rule, int CfaOffset) Rule(UnwindTable table, ulong address)
    {
        Assert.True(table.TryFind(address, out var row), $"no row at 0x{address:x}");
        return (row.Rule, row.CfaOffset);
    }

    private static byte[] ReadCode(string path, ulong address, int length)
    {
        using var handle = File.OpenHandle(path);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        var segment = elf!.Segments.Single(s => s.Type == ElfProgramHeader.PtLoad && address >= s.VirtualAddress && address < s.VirtualAddress + s.FileSize);
        var bytes = new byte[length];
        Assert.True(ElfFile.TryRead(handle, elf.Length, address - segment.VirtualAddress + segment.Offset, bytes));
        return bytes;
    }
}
