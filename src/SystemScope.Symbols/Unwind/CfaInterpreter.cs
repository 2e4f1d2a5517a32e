namespace SystemScope.Symbols.Unwind;

/// <summary>Why a run of CFA instructions stopped early.</summary>
internal enum CfaResult
{
    Ok,
    Truncated,
    UnknownOpcode,
    StateStack,
    LocationOutOfRange,
}

/// <summary>
/// Executes DWARF call frame instructions (DWARF 5 §6.4.2 plus the GNU extensions): a CIE's
/// initial instructions give the starting rules, an FDE's instructions produce a row at every
/// location where they change. Work is bounded by the instruction bytes and the state stack depth.
/// </summary>
internal sealed class CfaInterpreter(UnwindRegisters registers)
{
    private const int MaxStateDepth = 64;

    // Offsets beyond this cannot be meant; they stand for "out of range" without overflowing.
    private const long Huge = 1L << 60;

    /// <summary>gcc/ld's PLT CFA: DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and; DW_OP_lit11; DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus.</summary>
    private static ReadOnlySpan<byte> PltExpression => [0x77, 0x08, 0x80, 0x00, 0x3F, 0x1A, 0x3B, 0x2A, 0x33, 0x24, 0x22];

    private readonly CfaState[] _stack = new CfaState[MaxStateDepth];

    /// <summary>Runs a CIE's initial instructions from an empty state (location advances are ignored).</summary>
    public CfaResult RunInitial(ReadOnlySpan<byte> data, CommonInformationEntry cie, in PointerBases bases, out CfaState state)
    {
        state = default;
        var location = 0UL;
        return Run(data, cie.InstructionsStart, cie.InstructionsEnd, cie, bases, default, ref state, ref location, ulong.MaxValue, writer: null);
    }

    /// <summary>Runs an FDE's instructions from its CIE's initial state, writing rows for [start, end).</summary>
    public CfaResult RunFde(ReadOnlySpan<byte> data, int from, int to, CommonInformationEntry cie, in PointerBases bases, ulong start, ulong end, FdeRowWriter writer)
    {
        var state = cie.Initial;
        var location = start;
        var result = Run(data, from, to, cie, bases, cie.Initial, ref state, ref location, end, writer);
        if (result == CfaResult.Ok && location < end)
        {
            writer.Emit(location, state);
        }
        else if (result != CfaResult.Ok && location < end)
        {
            writer.EmitCorrupt(location);
        }

        return result;
    }

    private CfaResult Run(ReadOnlySpan<byte> data, int from, int to, CommonInformationEntry cie, in PointerBases bases, in CfaState initial, ref CfaState state, ref ulong location, ulong end, FdeRowWriter? writer)
    {
        var cursor = new DwarfCursor(data, from, to);
        var depth = 0;
        while (cursor.Remaining > 0 && location < end)
        {
            cursor.TryU8(out var op);
            var operand = (ulong)(op & 0x3F);
            switch (op & 0xC0)
            {
                case 0x40: // DW_CFA_advance_loc
                    if (!TryAdvance(ref state, ref location, operand, cie, writer))
                    {
                        return CfaResult.LocationOutOfRange;
                    }

                    continue;
                case 0x80: // DW_CFA_offset
                    if (!cursor.TryUleb(out var factored))
                    {
                        return CfaResult.Truncated;
                    }

                    Set(ref state, cie, operand, new RegisterRule(RegisterRuleKind.Offset, Factor(factored, cie.DataAlignment)));
                    continue;
                case 0xC0: // DW_CFA_restore
                    Restore(ref state, initial, cie, operand);
                    continue;
                default:
                    var result = RunExtended(ref cursor, op, cie, bases, initial, ref state, ref location, end, ref depth, writer);
                    if (result != CfaResult.Ok)
                    {
                        return result;
                    }

                    continue;
            }
        }

        return CfaResult.Ok;
    }

    private CfaResult RunExtended(ref DwarfCursor cursor, byte op, CommonInformationEntry cie, in PointerBases bases, in CfaState initial, ref CfaState state, ref ulong location, ulong end, ref int depth, FdeRowWriter? writer)
    {
        ulong register, value;
        long signed;
        ReadOnlySpan<byte> block;
        switch (op)
        {
            case 0x00: // DW_CFA_nop
            case 0x2D: // DW_CFA_GNU_window_save (SPARC, arm64 pointer authentication): no rule here
                return CfaResult.Ok;
            case 0x01: // DW_CFA_set_loc
                var status = PointerEncoding.Read(ref cursor, cie.FdeEncoding, cie.AddressSize, bases, valueOnly: false, out var target);
                if (status != PointerStatus.Ok)
                {
                    return status == PointerStatus.Truncated ? CfaResult.Truncated : CfaResult.LocationOutOfRange;
                }

                return writer is null || target >= location ? MoveTo(ref state, ref location, target, writer) : CfaResult.LocationOutOfRange;
            case 0x02: // DW_CFA_advance_loc1
                return cursor.TryU8(out var delta1) ? Advance(ref state, ref location, delta1, cie, writer) : CfaResult.Truncated;
            case 0x03: // DW_CFA_advance_loc2
                return cursor.TryU16(out var delta2) ? Advance(ref state, ref location, delta2, cie, writer) : CfaResult.Truncated;
            case 0x04: // DW_CFA_advance_loc4
                return cursor.TryU32(out var delta4) ? Advance(ref state, ref location, delta4, cie, writer) : CfaResult.Truncated;
            case 0x1D: // DW_CFA_MIPS_advance_loc8
                return cursor.TryU64(out var delta8) ? Advance(ref state, ref location, delta8, cie, writer) : CfaResult.Truncated;
            case 0x05: // DW_CFA_offset_extended
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(RegisterRuleKind.Offset, Factor(value, cie.DataAlignment)));
                return CfaResult.Ok;
            case 0x11: // DW_CFA_offset_extended_sf
            case 0x15: // DW_CFA_val_offset_sf
                if (!cursor.TryUleb(out register) || !cursor.TrySleb(out signed))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(op == 0x11 ? RegisterRuleKind.Offset : RegisterRuleKind.ValueOffset, Factor(signed, cie.DataAlignment)));
                return CfaResult.Ok;
            case 0x14: // DW_CFA_val_offset
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(RegisterRuleKind.ValueOffset, Factor(value, cie.DataAlignment)));
                return CfaResult.Ok;
            case 0x2F: // DW_CFA_GNU_negative_offset_extended
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(RegisterRuleKind.Offset, -Factor(value, cie.DataAlignment)));
                return CfaResult.Ok;
            case 0x06: // DW_CFA_restore_extended
                if (!cursor.TryUleb(out register))
                {
                    return CfaResult.Truncated;
                }

                Restore(ref state, initial, cie, register);
                return CfaResult.Ok;
            case 0x07: // DW_CFA_undefined
            case 0x08: // DW_CFA_same_value
                if (!cursor.TryUleb(out register))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(op == 0x07 ? RegisterRuleKind.Undefined : RegisterRuleKind.SameValue, 0));
                return CfaResult.Ok;
            case 0x09: // DW_CFA_register
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(RegisterRuleKind.Register, (long)Math.Min(value, long.MaxValue)));
                return CfaResult.Ok;
            case 0x0A: // DW_CFA_remember_state: the CFA is remembered too (as gcc's epilogues expect)
                if (depth == MaxStateDepth)
                {
                    return CfaResult.StateStack;
                }

                _stack[depth++] = state;
                return CfaResult.Ok;
            case 0x0B: // DW_CFA_restore_state
                if (depth == 0)
                {
                    return CfaResult.StateStack;
                }

                state = _stack[--depth];
                return CfaResult.Ok;
            case 0x0C: // DW_CFA_def_cfa
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                DefineCfa(ref state, register, value > Huge ? Huge : (long)value);
                return CfaResult.Ok;
            case 0x12: // DW_CFA_def_cfa_sf
                if (!cursor.TryUleb(out register) || !cursor.TrySleb(out signed))
                {
                    return CfaResult.Truncated;
                }

                DefineCfa(ref state, register, Factor(signed, cie.DataAlignment));
                return CfaResult.Ok;
            case 0x0D: // DW_CFA_def_cfa_register
                if (!cursor.TryUleb(out register))
                {
                    return CfaResult.Truncated;
                }

                DefineCfa(ref state, register, state.CfaOffset);
                return CfaResult.Ok;
            case 0x0E: // DW_CFA_def_cfa_offset (a CFA expression stays one, as in libgcc)
                if (!cursor.TryUleb(out value))
                {
                    return CfaResult.Truncated;
                }

                state.CfaOffset = value > Huge ? Huge : (long)value;
                return CfaResult.Ok;
            case 0x13: // DW_CFA_def_cfa_offset_sf
                if (!cursor.TrySleb(out signed))
                {
                    return CfaResult.Truncated;
                }

                state.CfaOffset = Factor(signed, cie.DataAlignment);
                return CfaResult.Ok;
            case 0x0F: // DW_CFA_def_cfa_expression
                if (!cursor.TryUleb(out value) || !cursor.TryBlock(value, out block))
                {
                    return CfaResult.Truncated;
                }

                state.CfaIsExpression = true;
                state.CfaIsPltExpression = block.SequenceEqual(PltExpression);
                return CfaResult.Ok;
            case 0x10: // DW_CFA_expression
            case 0x16: // DW_CFA_val_expression
                if (!cursor.TryUleb(out register) || !cursor.TryUleb(out value) || !cursor.TryBlock(value, out _))
                {
                    return CfaResult.Truncated;
                }

                Set(ref state, cie, register, new RegisterRule(op == 0x10 ? RegisterRuleKind.Expression : RegisterRuleKind.ValueExpression, 0));
                return CfaResult.Ok;
            case 0x2E: // DW_CFA_GNU_args_size: bytes of arguments pushed, irrelevant to the CFA rule
                return cursor.TryUleb(out _) ? CfaResult.Ok : CfaResult.Truncated;
            default:
                return CfaResult.UnknownOpcode;
        }
    }

    private static void DefineCfa(ref CfaState state, ulong register, long offset)
    {
        state.CfaRegister = register;
        state.CfaOffset = offset;
        state.CfaIsExpression = false;
        state.CfaIsPltExpression = false;
    }

    private void Set(ref CfaState state, CommonInformationEntry cie, ulong register, RegisterRule rule)
    {
        if (register == cie.ReturnAddressRegister)
        {
            state.ReturnAddress = rule;
        }
        else if (register == registers.FramePointer)
        {
            state.FramePointer = rule;
        }
    }

    private void Restore(ref CfaState state, in CfaState initial, CommonInformationEntry cie, ulong register)
    {
        if (register == cie.ReturnAddressRegister)
        {
            state.ReturnAddress = initial.ReturnAddress;
        }
        else if (register == registers.FramePointer)
        {
            state.FramePointer = initial.FramePointer;
        }
    }

    private static bool TryAdvance(ref CfaState state, ref ulong location, ulong delta, CommonInformationEntry cie, FdeRowWriter? writer) =>
        Advance(ref state, ref location, delta, cie, writer) == CfaResult.Ok;

    private static CfaResult Advance(ref CfaState state, ref ulong location, ulong delta, CommonInformationEntry cie, FdeRowWriter? writer)
    {
        if (delta > ulong.MaxValue / cie.CodeAlignment || location + (delta * cie.CodeAlignment) < location)
        {
            return writer is null ? CfaResult.Ok : CfaResult.LocationOutOfRange;
        }

        return MoveTo(ref state, ref location, location + (delta * cie.CodeAlignment), writer);
    }

    private static CfaResult MoveTo(ref CfaState state, ref ulong location, ulong target, FdeRowWriter? writer)
    {
        if (writer is null)
        {
            return CfaResult.Ok; // a CIE has no locations
        }

        if (target > location)
        {
            writer.Emit(location, state);
            location = target;
        }

        return CfaResult.Ok;
    }

    private static long Factor(ulong value, long alignment) => value > Huge / 65536 ? Huge : (long)value * alignment;

    private static long Factor(long value, long alignment) => value is > Huge / 65536 or < -Huge / 65536 ? Huge : value * alignment;
}
