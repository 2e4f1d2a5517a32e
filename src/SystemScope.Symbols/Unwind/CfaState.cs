namespace SystemScope.Symbols.Unwind;

/// <summary>How a register of the caller is recovered (DWARF's register rules).</summary>
internal enum RegisterRuleKind : byte
{
    /// <summary>Unchanged from the caller (also the rule of registers never mentioned).</summary>
    SameValue,
    Undefined,

    /// <summary>Saved at CFA + Value.</summary>
    Offset,

    /// <summary>Is CFA + Value.</summary>
    ValueOffset,

    /// <summary>Kept in register Value.</summary>
    Register,
    Expression,
    ValueExpression,
}

internal readonly record struct RegisterRule(RegisterRuleKind Kind, long Value)
{
    public static RegisterRule SameValue => default;
}

/// <summary>
/// One row of DWARF's unwind table, reduced to what a row here needs: the CFA rule and the rules of
/// the return address and the frame pointer register. The rules of other registers are read and dropped.
/// </summary>
internal struct CfaState
{
    public ulong CfaRegister;
    public long CfaOffset;
    public bool CfaIsExpression;

    /// <summary>The CFA expression is gcc/ld's PLT expression (see <see cref="UnwindRule.Plt"/>).</summary>
    public bool CfaIsPltExpression;
    public RegisterRule ReturnAddress;
    public RegisterRule FramePointer;
}
