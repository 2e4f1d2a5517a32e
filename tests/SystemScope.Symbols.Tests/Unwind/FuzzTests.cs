using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// Random and mutated unwind sections (a fixed seed, a bounded count): every one gives a well-formed
/// table or a reason, never an exception.
/// </summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class FuzzTests(UnwindBinaries binaries)
{
    [Fact]
    public void Random_bytes_as_either_section()
    {
        var random = new Random(1234);
        for (var round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(0, 512)];
            random.NextBytes(bytes);
            if (round % 2 == 0 && bytes.Length >= 8)
            {
                // Small plausible lengths and a CIE id make the walk go deeper than pure noise does.
                bytes[0] = (byte)random.Next(8, 64);
                (bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]) = (0, 0, 0, 0, 0, 0, 0);
            }

            Build(round % 3 == 0 ? UnwindSection.DebugFrame : UnwindSection.EhFrame, bytes);
        }
    }

    [Fact]
    public void Mutations_of_real_sections()
    {
        var random = new Random(99);
        var small = SectionBytes(binaries.WithoutFramePointers, ".eh_frame");
        var debug = SectionBytes(binaries.DebugFrameOnly, ".debug_frame");
        var libc = SectionBytes("/usr/lib/x86_64-linux-gnu/libc.so.6", ".eh_frame");
        for (var round = 0; round < 3000; round++)
        {
            var (name, original) = (round % 100) switch
            {
                0 => (UnwindSection.EhFrame, libc),
                < 50 => (UnwindSection.EhFrame, small),
                _ => (UnwindSection.DebugFrame, debug),
            };
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 8); flips > 0; flips--)
            {
                var at = random.Next(bytes.Length);
                bytes[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(bytes[at] ^ (1 << random.Next(8)));
            }

            if (random.Next(10) == 0)
            {
                Array.Resize(ref bytes, random.Next(bytes.Length));
            }

            Build(name, bytes);
        }
    }

    private static void Build(string name, byte[] bytes)
    {
        var section = new UnwindSection(name, bytes, new PointerBases(name == UnwindSection.EhFrame ? 0x2000UL : 0, 0x1000, 0x4000), name == UnwindSection.EhFrame ? 0 : 1, [(0x1020, 0x1070)]);
        var table = UnwindTableBuilder.Build([section], UnwindRegisters.X86_64, new UnwindStatistics());
        TableInvariants.AssertWellFormed(table);
        Assert.True(table.Statistics.Fdes <= bytes.Length / 8);
    }

    private static byte[] SectionBytes(string path, string name)
    {
        using var handle = File.OpenHandle(path);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        var section = elf!.FindSection(name, 1)!.Value;
        var bytes = new byte[section.Size];
        Assert.True(ElfFile.TryRead(handle, elf.Length, section.Offset, bytes));
        return bytes;
    }
}
