using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>The CFA instruction set, run on hand-written FDEs (the DWARF 5 §6.4.2 encodings and the GNU extensions).</summary>
public sealed class CfiInstructionTests
{
    [Fact]
    public void Every_cfa_instruction_changes_the_rows_as_specified()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        var cie = eh.Cie();
        eh.Fde(cie, 0x1000, 0x100,
        [
            0x41,                               // advance_loc 1
            0x0E, 0x10,                         // def_cfa_offset 16
            0x86, 0x02,                         // offset rbp, cfa-16
            0x43,                               // advance_loc 3
            0x0D, 0x06,                         // def_cfa_register rbp
            0x02, 0x04,                         // advance_loc1 4
            0x0A,                               // remember_state
            0x0C, 0x07, 0x08,                   // def_cfa rsp+8
            0x08, 0x06,                         // same_value rbp
            0x03, 0x08, 0x00,                   // advance_loc2 8
            0x0B,                               // restore_state
            0x2E, 0x20,                         // GNU_args_size 32
            0x00,                               // nop
            0x04, 0x04, 0x00, 0x00, 0x00,       // advance_loc4 4
            0x12, 0x07, 0x7E,                   // def_cfa_sf rsp, -2 (x -8 = 16)
            0x2F, 0x06, 0x03,                   // GNU_negative_offset_extended rbp, 3 (cfa+24)
            0x44,                               // advance_loc 4
            0x11, 0x06, 0x03,                   // offset_extended_sf rbp, 3 (cfa-24)
            0x44,
            0x05, 0x06, 0x04,                   // offset_extended rbp, 4 (cfa-32)
            0x44,
            0x06, 0x06,                         // restore_extended rbp (the CIE's rule: unchanged)
            0x44,
            0x13, 0x7C,                         // def_cfa_offset_sf -4 (x -8 = 32)
            0x1D, 0x04, 0, 0, 0, 0, 0, 0, 0,    // MIPS_advance_loc8 4
            0xC6,                               // restore rbp
            0x01, 0x40, 0x10, 0x00, 0x00,       // set_loc 0x1040
            0x07, 0x10,                         // undefined rip
        ]);
        var table = Build(eh.Section());

        (ulong, UnwindRule, int, int)[] expected =
        [
            (0x1000, UnwindRule.CfaRsp, 8, 0),
            (0x1001, UnwindRule.CfaRsp, 16, -16),
            (0x1004, UnwindRule.CfaRbp, 16, -16),
            (0x1008, UnwindRule.CfaRsp, 8, 0),
            (0x1010, UnwindRule.CfaRbp, 16, -16),
            (0x1014, UnwindRule.CfaRsp, 16, 24),
            (0x1018, UnwindRule.CfaRsp, 16, -24),
            (0x101C, UnwindRule.CfaRsp, 16, -32),
            (0x1020, UnwindRule.CfaRsp, 16, 0),
            (0x1024, UnwindRule.CfaRsp, 32, 0),
            (0x1040, UnwindRule.End, 0, 0),
            (0x1100, UnwindRule.FramePointer, 0, 0),
        ];
        Assert.Equal(expected, table.Rows.Select(r => (r.Address, r.Rule, r.CfaOffset, r.RbpOffset)));
        Assert.Null(table.Statistics.FirstDefect);
    }

    [Fact]
    public void Rules_bpf_cannot_follow_become_frame_pointer_rows_counted_by_reason()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        var cie = eh.Cie();
        (byte[] Instructions, UnwindRule Rule, UnwindDowngrade? Reason)[] cases =
        [
            ([0x0F, 0x03, 0x77, 0x00, 0x06], UnwindRule.FramePointer, UnwindDowngrade.CfaExpression), // CFA = *(rsp + 0)
            ([0x0C, 0x03, 0x08], UnwindRule.FramePointer, UnwindDowngrade.CfaRegister), // CFA = rbx + 8
            ([0x0C, 0x07, .. CfiAssembler.Uleb(70000)], UnwindRule.FramePointer, UnwindDowngrade.CfaOffsetOutOfRange),
            ([0x90, 0x02], UnwindRule.FramePointer, UnwindDowngrade.ReturnAddressRule), // return address at CFA-16
            ([0x09, 0x06, 0x03], UnwindRule.FramePointer, UnwindDowngrade.RbpRule), // rbp kept in rbx
            ([0x14, 0x06, 0x02], UnwindRule.FramePointer, UnwindDowngrade.RbpRule), // rbp = CFA-16 (a value, not a slot)
            ([0x10, 0x06, 0x02, 0x77, 0x00], UnwindRule.FramePointer, UnwindDowngrade.RbpRule), // rbp at an expression
            ([0x86, .. CfiAssembler.Uleb(250)], UnwindRule.FramePointer, UnwindDowngrade.RbpOffsetOutOfRange), // rbp at CFA-2000
            ([0x0F, 0x0B, 0x77, 0x08, 0x80, 0x00, 0x3F, 0x1A, 0x3B, 0x2A, 0x33, 0x24, 0x22], UnwindRule.Plt, null), // the PLT expression, anywhere
            ([0x0F, 0x02, 0x77, 0x10], UnwindRule.Plt, null), // any expression inside .plt
        ];
        for (var i = 0; i < cases.Length; i++)
        {
            eh.Fde(cie, 0x1000 + ((ulong)i * 0x100), 0x10, cases[i].Instructions);
        }

        var table = Build(eh.Section((0x1900, 0x1A00)));
        for (var i = 0; i < cases.Length; i++)
        {
            Assert.True(table.TryFind(0x1000 + ((ulong)i * 0x100), out var row));
            Assert.Equal(cases[i].Rule, row.Rule);
        }

        foreach (var reason in Enum.GetValues<UnwindDowngrade>().Where(r => r != UnwindDowngrade.CorruptInstructions))
        {
            Assert.Equal(cases.Count(c => c.Reason == reason), table.Statistics.Downgraded(reason));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x0E, 0x10, 0x44, 0x3F }, UnwindDefect.UnknownOpcode)]
    [InlineData(new byte[] { 0x0E, 0x10, 0x44, 0x0B }, UnwindDefect.StateStack)] // restore_state with nothing remembered
    [InlineData(new byte[] { 0x0E, 0x10, 0x44, 0x01, 0x00, 0x10, 0x00, 0x00 }, UnwindDefect.LocationOutOfRange)] // set_loc backwards
    [InlineData(new byte[] { 0x0E, 0x10, 0x44, 0x0C, 0x07 }, UnwindDefect.Truncated)] // def_cfa without its offset
    public void Corrupt_instructions_keep_the_rows_before_them(byte[] instructions, UnwindDefect defect)
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie(), 0x1000, 0x100, instructions);
        var table = Build(eh.Section());

        Assert.Equal([(0x1000UL, UnwindRule.CfaRsp, 16), (0x1004UL, UnwindRule.FramePointer, 0)], table.Rows.Select(r => (r.Address, r.Rule, r.CfaOffset)));
        Assert.Equal(1, table.Statistics.Defects(defect));
        Assert.Equal(1, table.Statistics.FdesCut);
        Assert.Equal(1, table.Statistics.Downgraded(UnwindDowngrade.CorruptInstructions));
    }

    [Fact]
    public void Remembered_states_are_bounded()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie(), 0x1000, 0x100, [0x0E, 0x10, 0x44, .. Enumerable.Repeat((byte)0x0A, 65)]);
        var table = Build(eh.Section());

        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.StateStack));
        Assert.True(table.TryFind(0x1004, out var row));
        Assert.Equal(UnwindRule.FramePointer, row.Rule);
    }

    [Fact]
    public void Rows_past_the_end_of_the_fde_are_dropped()
    {
        var eh = new CfiAssembler(UnwindSection.EhFrame);
        eh.Fde(eh.Cie(), 0x1000, 0x8, [0x0E, 0x10, 0x50, 0x0E, 0x20]); // the advance of 16 leaves the 8-byte FDE
        var table = Build(eh.Section());

        Assert.Equal([(0x1000UL, UnwindRule.CfaRsp, 16), (0x1008UL, UnwindRule.FramePointer, 0)], table.Rows.Select(r => (r.Address, r.Rule, r.CfaOffset)));
    }

    internal static UnwindTable Build(params UnwindSection[] sections) =>
        UnwindTableBuilder.Build([.. sections], UnwindRegisters.X86_64, new UnwindStatistics());
}
