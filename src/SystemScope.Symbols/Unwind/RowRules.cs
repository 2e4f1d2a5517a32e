namespace SystemScope.Symbols.Unwind;

/// <summary>Turns DWARF's rules at one location into the row the BPF walker can follow (x86_64).</summary>
internal static class RowRules
{
    private const int MaxCfaOffset = 65535;
    private const int MinRbpOffset = -1024;
    private const int MaxRbpOffset = 1016;

    /// <summary>The row for <paramref name="state"/>; <paramref name="downgrade"/> says why it fell back to frame pointers.</summary>
    /// <param name="signalFrame">The FDE's CIE has the 'S' augmentation.</param>
    /// <param name="coversPlt">The FDE covers a <c>.plt</c>, <c>.plt.sec</c> or <c>.plt.got</c> section.</param>
    public static UnwindRow Classify(ulong address, in CfaState state, UnwindRegisters registers, bool signalFrame, bool coversPlt, out UnwindDowngrade? downgrade)
    {
        downgrade = null;
        if (signalFrame)
        {
            return new UnwindRow(address, UnwindRule.Signal, 0, 0);
        }

        if (state.ReturnAddress.Kind == RegisterRuleKind.Undefined)
        {
            return new UnwindRow(address, UnwindRule.End, 0, 0);
        }

        if (state.ReturnAddress != new RegisterRule(RegisterRuleKind.Offset, registers.ReturnAddressSlot))
        {
            return Downgrade(address, UnwindDowngrade.ReturnAddressRule, out downgrade);
        }

        if (!TryRbpOffset(state.FramePointer, out var rbpOffset, out var rbpProblem))
        {
            return Downgrade(address, rbpProblem, out downgrade);
        }

        if (state.CfaIsExpression)
        {
            return state.CfaIsPltExpression || coversPlt
                ? new UnwindRow(address, UnwindRule.Plt, 0, rbpOffset)
                : Downgrade(address, UnwindDowngrade.CfaExpression, out downgrade);
        }

        var rule = state.CfaRegister == registers.StackPointer ? UnwindRule.CfaRsp
            : state.CfaRegister == registers.FramePointer ? UnwindRule.CfaRbp
            : UnwindRule.FramePointer;
        if (rule == UnwindRule.FramePointer)
        {
            return Downgrade(address, UnwindDowngrade.CfaRegister, out downgrade);
        }

        return state.CfaOffset is < 0 or > MaxCfaOffset
            ? Downgrade(address, UnwindDowngrade.CfaOffsetOutOfRange, out downgrade)
            : new UnwindRow(address, rule, (int)state.CfaOffset, rbpOffset);
    }

    private static bool TryRbpOffset(RegisterRule rule, out int offset, out UnwindDowngrade problem)
    {
        offset = 0;
        problem = UnwindDowngrade.RbpRule;
        switch (rule.Kind)
        {
            case RegisterRuleKind.SameValue or RegisterRuleKind.Undefined:
                return true;
            case RegisterRuleKind.Offset when rule.Value is >= MinRbpOffset and <= MaxRbpOffset && rule.Value % 8 == 0 && rule.Value != 0:
                offset = (int)rule.Value;
                return true;
            case RegisterRuleKind.Offset:
                problem = UnwindDowngrade.RbpOffsetOutOfRange;
                return false;
            default:
                return false;
        }
    }

    private static UnwindRow Downgrade(ulong address, UnwindDowngrade reason, out UnwindDowngrade? downgrade)
    {
        downgrade = reason;
        return new UnwindRow(address, UnwindRule.FramePointer, 0, 0);
    }
}
