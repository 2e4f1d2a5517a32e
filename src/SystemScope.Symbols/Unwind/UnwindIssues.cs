namespace SystemScope.Symbols.Unwind;

/// <summary>Why a row that an FDE describes became <see cref="UnwindRule.FramePointer"/>.</summary>
public enum UnwindDowngrade
{
    /// <summary>The CFA is a DWARF expression other than the PLT one (stack realignment, dereferenced CFA).</summary>
    CfaExpression,

    /// <summary>The CFA is based on a register other than RSP or RBP.</summary>
    CfaRegister,

    /// <summary>The CFA offset is outside 0..65535.</summary>
    CfaOffsetOutOfRange,

    /// <summary>The return address is not saved at CFA-8.</summary>
    ReturnAddressRule,

    /// <summary>The caller's RBP is kept somewhere BPF cannot read (another register, an expression).</summary>
    RbpRule,

    /// <summary>The caller's RBP is saved at an offset that is not a multiple of 8 within [-1024, 1016].</summary>
    RbpOffsetOutOfRange,

    /// <summary>The FDE's instructions were corrupt from here on.</summary>
    CorruptInstructions,
}

/// <summary>What was wrong with the unwind sections themselves; the good parts are kept.</summary>
public enum UnwindDefect
{
    /// <summary>An entry's length runs past the end of its section (the rest of the section is not read).</summary>
    EntryPastEnd,

    /// <summary>A field ends past the end of its entry.</summary>
    Truncated,

    /// <summary>A CIE with an unknown version, a bad augmentation or alignment factors.</summary>
    BadCie,

    /// <summary>An FDE whose CIE pointer does not lead to a CIE.</summary>
    MissingCie,

    /// <summary>A pointer encoding that cannot be decoded here (indirect, unknown format or base).</summary>
    BadPointerEncoding,

    /// <summary>An FDE whose address range wraps around.</summary>
    BadRange,

    /// <summary>A CFA opcode this reader does not know (the FDE is cut there).</summary>
    UnknownOpcode,

    /// <summary>DW_CFA_remember_state nested too deep, or DW_CFA_restore_state without a remembered state.</summary>
    StateStack,

    /// <summary>A DW_CFA_set_loc that moves backwards or outside the FDE.</summary>
    LocationOutOfRange,

    /// <summary>FDEs that overlap an earlier one (the overlapping part is left out).</summary>
    OverlappingFde,

    /// <summary>More FDEs or rows than the table allows (the rest is left out).</summary>
    TooLarge,

    /// <summary>A section that could not be read or decompressed.</summary>
    UnreadableSection,
}
