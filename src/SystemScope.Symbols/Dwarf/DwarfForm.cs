using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// The attribute forms of DWARF 2 to 5 (and GNU's split-DWARF and alternate-file extensions): how many
/// bytes each takes, so that any attribute can be read or stepped over without knowing what it means.
/// </summary>
internal static class DwarfForm
{
    public const ushort Addr = 0x01;
    public const ushort Block2 = 0x03;
    public const ushort Block4 = 0x04;
    public const ushort Data2 = 0x05;
    public const ushort Data4 = 0x06;
    public const ushort Data8 = 0x07;
    public const ushort String = 0x08;
    public const ushort Block = 0x09;
    public const ushort Block1 = 0x0a;
    public const ushort Data1 = 0x0b;
    public const ushort Flag = 0x0c;
    public const ushort Sdata = 0x0d;
    public const ushort Strp = 0x0e;
    public const ushort Udata = 0x0f;
    public const ushort RefAddr = 0x10;
    public const ushort Ref1 = 0x11;
    public const ushort Ref2 = 0x12;
    public const ushort Ref4 = 0x13;
    public const ushort Ref8 = 0x14;
    public const ushort RefUdata = 0x15;
    public const ushort Indirect = 0x16;
    public const ushort SecOffset = 0x17;
    public const ushort Exprloc = 0x18;
    public const ushort FlagPresent = 0x19;
    public const ushort Strx = 0x1a;
    public const ushort Addrx = 0x1b;
    public const ushort RefSup4 = 0x1c;
    public const ushort StrpSup = 0x1d;
    public const ushort Data16 = 0x1e;
    public const ushort LineStrp = 0x1f;
    public const ushort RefSig8 = 0x20;
    public const ushort ImplicitConst = 0x21;
    public const ushort Loclistx = 0x22;
    public const ushort Rnglistx = 0x23;
    public const ushort RefSup8 = 0x24;
    public const ushort Strx1 = 0x25;
    public const ushort Strx2 = 0x26;
    public const ushort Strx3 = 0x27;
    public const ushort Strx4 = 0x28;
    public const ushort Addrx1 = 0x29;
    public const ushort Addrx2 = 0x2a;
    public const ushort Addrx3 = 0x2b;
    public const ushort Addrx4 = 0x2c;
    public const ushort GnuAddrIndex = 0x1f01;
    public const ushort GnuStrIndex = 0x1f02;
    public const ushort GnuRefAlt = 0x1f20;
    public const ushort GnuStrpAlt = 0x1f21;

    /// <summary>
    /// Reads one attribute value: numbers, offsets, indices and references as they are stored; for an
    /// inline string, where it starts; for blocks, nothing (they are stepped over). False for an unknown
    /// form or data that ends early: the rest of the unit cannot be read then.
    /// </summary>
    public static bool TryRead(ref DwarfCursor cursor, ushort form, DwarfUnit unit, long implicitConst, out ulong value)
    {
        value = 0;
        for (var indirections = 0; form == Indirect; indirections++)
        {
            if (indirections > 4 || !cursor.TryUleb(out var actual) || actual > ushort.MaxValue)
            {
                return false;
            }

            form = (ushort)actual;
        }

        switch (form)
        {
            case Addr:
                return TrySized(ref cursor, unit.AddressSize, out value);
            case Data1 or Ref1 or Flag or Strx1 or Addrx1:
                return TrySized(ref cursor, 1, out value);
            case Data2 or Ref2 or Strx2 or Addrx2:
                return TrySized(ref cursor, 2, out value);
            case Strx3 or Addrx3:
                return TrySized(ref cursor, 3, out value);
            case Data4 or Ref4 or Strx4 or Addrx4 or RefSup4:
                return TrySized(ref cursor, 4, out value);
            case Data8 or Ref8 or RefSig8 or RefSup8:
                return TrySized(ref cursor, 8, out value);
            case Data16:
                return cursor.TrySkip(16);
            case Sdata:
                var ok = cursor.TrySleb(out var signed);
                value = (ulong)signed;
                return ok;
            case Udata or RefUdata or Strx or Addrx or Loclistx or Rnglistx or GnuAddrIndex or GnuStrIndex:
                return cursor.TryUleb(out value);
            case Strp or LineStrp or SecOffset or StrpSup or GnuRefAlt or GnuStrpAlt:
                return cursor.TryOffset(unit.Is64, out value);
            case RefAddr:
                // DWARF 2 wrote it address-sized; later versions offset-sized.
                return unit.Version <= 2 ? TrySized(ref cursor, unit.AddressSize, out value) : cursor.TryOffset(unit.Is64, out value);
            case String:
                value = (ulong)cursor.Position;
                return cursor.TryCString(out _);
            case Block1:
                return TrySized(ref cursor, 1, out var length1) && cursor.TrySkip(length1);
            case Block2:
                return TrySized(ref cursor, 2, out var length2) && cursor.TrySkip(length2);
            case Block4:
                return TrySized(ref cursor, 4, out var length4) && cursor.TrySkip(length4);
            case Block or Exprloc:
                return cursor.TryUleb(out var length) && cursor.TrySkip(length);
            case FlagPresent:
                value = 1;
                return true;
            case ImplicitConst:
                value = (ulong)implicitConst;
                return true;
            default:
                return false;
        }
    }

    public static bool IsStringIndex(ushort form) => form is Strx or Strx1 or Strx2 or Strx3 or Strx4 or GnuStrIndex;

    public static bool IsAddressIndex(ushort form) => form is Addrx or Addrx1 or Addrx2 or Addrx3 or Addrx4 or GnuAddrIndex;

    /// <summary>A reference within the unit (ref1..ref_udata) or to anywhere in .debug_info (ref_addr), as a .debug_info offset.</summary>
    public static bool TryReference(ushort form, ulong value, DwarfUnit unit, out ulong offset)
    {
        offset = form switch
        {
            Ref1 or Ref2 or Ref4 or Ref8 or RefUdata => (ulong)unit.Start + value,
            RefAddr => value,
            _ => ulong.MaxValue,
        };
        return offset != ulong.MaxValue;
    }

    private static bool TrySized(ref DwarfCursor cursor, int size, out ulong value)
    {
        value = 0;
        if (cursor.Remaining < size)
        {
            return false;
        }

        for (var i = 0; i < size; i++)
        {
            cursor.TryU8(out var b);
            value |= (ulong)b << (8 * i);
        }

        return true;
    }
}
