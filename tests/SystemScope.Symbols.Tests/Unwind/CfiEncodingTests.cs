using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>Pointer encodings, augmentations, 64-bit lengths, terminators, and how FDEs of both sections combine.</summary>
public sealed class CfiEncodingTests
{
    private static readonly byte[] Cfa16 = [0x0E, 0x10];

    [Theory]
    [InlineData(0x00)] // absptr
    [InlineData(0x01)] // uleb128
    [InlineData(0x02)] // udata2
    [InlineData(0x03)] // udata4
    [InlineData(0x04)] // udata8
    [InlineData(0x09)] // sleb128
    [InlineData(0x0A)] // sdata2
    [InlineData(0x0B)] // sdata4
    [InlineData(0x0C)] // sdata8
    [InlineData(0x1B)] // pcrel | sdata4 (what gcc emits)
    [InlineData(0x10)] // pcrel | absptr
    [InlineData(0x3B)] // datarel | sdata4, relative to .got
    public void Fde_addresses_decode_in_every_encoding(byte encoding)
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie(augmentationData: [encoding]), 0x1234, 0x40, Cfa16, encoding);
        var table = CfiInstructionTests.Build(eh.Section());

        Assert.Equal([(0x1234UL, 0x1274UL)], table.Functions);
        Assert.True(table.TryFind(0x1234, out var row));
        Assert.Equal((UnwindRule.CfaRsp, 16), (row.Rule, row.CfaOffset));
    }

    [Theory]
    [InlineData(0x9B)] // indirect: the value lives in memory
    [InlineData(0x43)] // funcrel: no function to be relative to
    [InlineData(0x05)] // no such format
    public void Undecodable_fde_addresses_skip_the_fde(byte encoding)
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        var cie = eh.Cie(augmentationData: [encoding]);
        eh.Fde(cie, 0x1234, 0x40, Cfa16, (byte)(encoding & 0x0F));
        eh.Fde(eh.Cie(), 0x2000, 0x10, Cfa16);
        var table = CfiInstructionTests.Build(eh.Section());

        Assert.Equal([(0x2000UL, 0x2010UL)], table.Functions);
        Assert.Equal(1, table.Statistics.FdesSkipped);
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.BadPointerEncoding));
    }

    [Fact]
    public void Augmentations_are_read_or_skipped()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie("zPLR", [0x9B, 0, 0, 0, 0, 0x1B, 0x03]), 0x1000, 0x10, Cfa16); // personality (indirect), LSDA, FDE encoding
        eh.Fde(eh.Cie("zRS", [0x03], []), 0x1100, 0x10, []); // a signal frame
        eh.Fde(eh.Cie("zRX", [0x03, 0xEE]), 0x1200, 0x10, Cfa16); // an unknown letter: 'z' says where its data ends
        eh.Fde(eh.Cie("eh", instructions: [.. new byte[8], .. CfiAssembler.X86Initial]), 0x1300, 0x10, Cfa16, encoding: 0x00, augmentationData: false);
        eh.Fde(eh.Cie("xyz"), 0x1400, 0x10, Cfa16); // unknown, and no 'z': unreadable
        var table = CfiInstructionTests.Build(eh.Section());

        Assert.Equal([0x1000UL, 0x1100, 0x1200, 0x1300], table.Functions.Select(f => f.Start));
        Assert.Equal([UnwindRule.CfaRsp, UnwindRule.Signal, UnwindRule.CfaRsp, UnwindRule.CfaRsp], table.Functions.Select(f => Row(table, f.Start).Rule));
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.BadCie));
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.MissingCie));
    }

    [Theory]
    [InlineData(".eh_frame", 1)]
    [InlineData(".debug_frame", 1)]
    [InlineData(".debug_frame", 3)]
    [InlineData(".debug_frame", 4)]
    public void Sixty_four_bit_lengths_and_cie_versions(string section, byte version)
    {
        var frames = new CfiAssembler(section, section == UnwindSection.EhFrame ? CfiAssembler.EhFrameAddress : 0);
        var cie = frames.Cie(augmentation: "", version: version, is64: true);
        frames.Fde(cie, 0x1000, 0x20, Cfa16, encoding: 0x00, augmentationData: false, is64: true);
        frames.Fde(frames.Cie(augmentation: "", version: version), 0x1020, 0x20, [0x0E, 0x18], encoding: 0x00, augmentationData: false);
        var table = CfiInstructionTests.Build(frames.Section());

        Assert.Equal([(0x1000UL, 16), (0x1020UL, 24), (0x1040UL, 0)], table.Rows.Select(r => (r.Address, r.CfaOffset)));
        Assert.Equal(section, table.Source);
    }

    [Fact]
    public void A_zero_terminator_in_the_middle_does_not_end_the_walk()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        var cie = eh.Cie();
        eh.Fde(cie, 0x1000, 0x10, Cfa16);
        eh.Raw(0, 0, 0, 0);
        eh.Fde(cie, 0x2000, 0x10, Cfa16);
        eh.Raw(0, 0, 0, 0);

        Assert.Equal([(0x1000UL, 0x1010UL), (0x2000UL, 0x2010UL)], CfiInstructionTests.Build(eh.Section()).Functions);
    }

    [Fact]
    public void Eh_frame_wins_and_debug_frame_fills_what_it_leaves()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie(), 0x1000, 0x100, []);
        var debug = new CfiAssembler(UnwindSection.DebugFrame, 0);
        var cie = debug.Cie(augmentation: "");
        debug.Fde(cie, 0x0F00, 0x400, [0x0E, 0x20], encoding: 0x00, augmentationData: false); // around the .eh_frame FDE
        debug.Fde(cie, 0x3000, 0x10, [0x0E, 0x18], encoding: 0x00, augmentationData: false);
        var table = CfiInstructionTests.Build(eh.Section(), debug.Section());

        Assert.Equal(".eh_frame+.debug_frame", table.Source);
        Assert.Equal([(0x0F00UL, 0x1000UL), (0x1000UL, 0x1100UL), (0x1100UL, 0x1300UL), (0x3000UL, 0x3010UL)], table.Functions);
        Assert.Equal(
            [(0x0F00UL, UnwindRule.CfaRsp, 32), (0x1000UL, UnwindRule.CfaRsp, 8), (0x1100UL, UnwindRule.CfaRsp, 32), (0x1300UL, UnwindRule.FramePointer, 0), (0x3000UL, UnwindRule.CfaRsp, 24), (0x3010UL, UnwindRule.FramePointer, 0)],
            table.Rows.Select(r => (r.Address, r.Rule, r.CfaOffset)));
    }

    [Fact]
    public void Overlapping_fdes_keep_the_earlier_one()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        var cie = eh.Cie();
        eh.Fde(cie, 0x1080, 0x100, [0x0E, 0x20]);
        eh.Fde(cie, 0x1000, 0x100, Cfa16);
        var table = CfiInstructionTests.Build(eh.Section());

        Assert.Equal([(0x1000UL, 16), (0x1100UL, 32), (0x1180UL, 0)], table.Rows.Select(r => (r.Address, r.CfaOffset)));
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.OverlappingFde));
    }

    private static UnwindRow Row(UnwindTable table, ulong address)
    {
        Assert.True(table.TryFind(address, out var row));
        return row;
    }
}
