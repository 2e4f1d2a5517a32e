namespace SystemScope.Symbols.Unwind;

/// <summary>How the BPF walker finds the caller's frame from one address on.</summary>
public enum UnwindRule : byte
{
    /// <summary>No usable rule here (no FDE covers it, a CFA rule BPF cannot evaluate, offsets out of range): the walker uses frame pointers.</summary>
    FramePointer = 0,

    /// <summary>CFA = RSP + CfaOffset.</summary>
    CfaRsp = 1,

    /// <summary>CFA = RBP + CfaOffset.</summary>
    CfaRbp = 2,

    /// <summary>A PLT stub (gcc/ld's DW_CFA_def_cfa_expression): CFA = RSP + 8 + ((RIP &amp; 15) &gt;= 11 ? 8 : 0).</summary>
    Plt = 3,

    /// <summary>The signal return trampoline (an FDE whose CIE has the 'S' augmentation, e.g. glibc's __restore_rt): registers come from the rt_sigframe at RSP.</summary>
    Signal = 4,

    /// <summary>The return address is undefined (DW_CFA_undefined on the RA column: _start, clone's child): the outermost frame.</summary>
    End = 5,
}

/// <summary>One row of an <see cref="UnwindTable"/>.</summary>
/// <param name="Address">ELF virtual address where the rule starts (it holds until the next row's Address).</param>
/// <param name="Rule">How the CFA is found.</param>
/// <param name="CfaOffset">Added to the register of <see cref="UnwindRule.CfaRsp"/>/<see cref="UnwindRule.CfaRbp"/>; 0 for the other rules.</param>
/// <param name="RbpOffset">Where the caller's RBP is saved, relative to the CFA (typically -16); 0 when RBP is not saved here (unchanged).</param>
public readonly record struct UnwindRow(ulong Address, UnwindRule Rule, int CfaOffset, int RbpOffset)
{
    /// <summary>Whether two rows unwind the same way (they differ at most in where they start).</summary>
    public bool SameRuleAs(UnwindRow other) => Rule == other.Rule && CfaOffset == other.CfaOffset && RbpOffset == other.RbpOffset;
}
