using System.Text;

namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Parses one CIE: version 1, 3 or 4, the 'z', 'R', 'P', 'L', 'S' (and arm64's 'B', 'G')
/// augmentations, or GCC's old "eh" one.
/// </summary>
internal static class CieParser
{
    // Real CIEs use 1 and -8 (x86_64) or 4 (arm64); the bound keeps products of offsets in range.
    private const ulong MaxAlignment = 1 << 16;

    public static bool TryParse(UnwindSection section, int offset, int defaultAddressSize, out CommonInformationEntry? cie, out string? problem)
    {
        cie = null;
        var data = section.Data;
        var cursor = new DwarfCursor(data, offset, data.Length);
        if (!cursor.TryU32(out var length32) || length32 == 0)
        {
            problem = "no entry there";
            return false;
        }

        var is64 = length32 == uint.MaxValue;
        var length = (ulong)length32;
        if ((is64 && !cursor.TryU64(out length)) || length > (ulong)cursor.Remaining)
        {
            problem = "the CIE runs past the end of the section";
            return false;
        }

        var entry = new DwarfCursor(data, cursor.Position, cursor.Position + (int)length);
        var hasId = entry.TryOffset(is64, out var id);
        var cieId = section.IsEhFrame ? 0 : is64 ? ulong.MaxValue : uint.MaxValue;
        if (!hasId || id != cieId)
        {
            problem = "the FDE's CIE pointer leads to an FDE";
            return false;
        }

        if (!entry.TryU8(out var version) || version is not (1 or 3 or 4))
        {
            problem = $"CIE version {version} is not 1, 3 or 4";
            return false;
        }

        if (!entry.TryCString(out var augmentationBytes) || augmentationBytes.Length > 16)
        {
            problem = "CIE augmentation string is unterminated or too long";
            return false;
        }

        var augmentation = Encoding.ASCII.GetString(augmentationBytes);
        var addressSize = defaultAddressSize;
        if (version == 4)
        {
            if (!entry.TryU8(out var size) || !entry.TryU8(out var segmentSize) || size is not (4 or 8) || segmentSize != 0)
            {
                problem = "CIE address or segment size unsupported";
                return false;
            }

            addressSize = size;
        }

        ulong returnAddress;
        if (!entry.TryUleb(out var codeAlignment) || !entry.TrySleb(out var dataAlignment)
            || !(version == 1 ? TryU8AsUlong(ref entry, out returnAddress) : entry.TryUleb(out returnAddress)))
        {
            problem = "CIE truncated";
            return false;
        }

        if (codeAlignment is 0 or > MaxAlignment || dataAlignment is < -(long)MaxAlignment or > (long)MaxAlignment)
        {
            problem = $"CIE alignment factors {codeAlignment}/{dataAlignment} are unusable";
            return false;
        }

        if (!TryReadAugmentation(ref entry, augmentation, addressSize, section.Bases, out var traits, out problem))
        {
            return false;
        }

        cie = new CommonInformationEntry
        {
            CodeAlignment = codeAlignment,
            DataAlignment = dataAlignment,
            ReturnAddressRegister = returnAddress,
            FdeEncoding = traits.FdeEncoding,
            AddressSize = addressSize,
            HasAugmentationData = traits.HasData,
            IsSignalFrame = traits.IsSignalFrame,
            InstructionsStart = entry.Position,
            InstructionsEnd = entry.End,
        };
        return true;
    }

    private static bool TryReadAugmentation(ref DwarfCursor entry, string augmentation, int addressSize, in PointerBases bases, out AugmentationTraits traits, out string? problem)
    {
        traits = new AugmentationTraits(PointerEncoding.Absolute, HasData: false, IsSignalFrame: false);
        problem = null;
        if (augmentation.Length == 0)
        {
            return true;
        }

        if (augmentation == "eh")
        {
            // GCC 2's exception table pointer: one address, no data to use.
            return entry.TrySkip((ulong)addressSize) || Fail("CIE truncated", out problem);
        }

        if (augmentation[0] != 'z')
        {
            return Fail($"CIE augmentation \"{augmentation}\" is unknown", out problem);
        }

        if (!entry.TryUleb(out var dataLength) || dataLength > (ulong)entry.Remaining)
        {
            return Fail("CIE augmentation data runs past the CIE", out problem);
        }

        var dataEnd = entry.Position + (int)dataLength;
        var data = new DwarfCursor(entry.Data, entry.Position, dataEnd);
        var fdeEncoding = PointerEncoding.Absolute;
        var isSignalFrame = false;
        // An unknown letter's data cannot be parsed, but 'z' says where the data ends.
        var known = true;
        for (var i = 1; i < augmentation.Length && known; i++)
        {
            switch (augmentation[i])
            {
                case 'R':
                    if (!data.TryU8(out fdeEncoding))
                    {
                        return Fail("CIE augmentation data truncated", out problem);
                    }

                    break;
                case 'P':
                    // The personality routine: read past it (it may well be indirect), never used.
                    if (!data.TryU8(out var personalityEncoding)
                        || PointerEncoding.Read(ref data, personalityEncoding, addressSize, bases, valueOnly: false, out _) is PointerStatus.Truncated or PointerStatus.UnknownFormat)
                    {
                        return Fail("CIE personality pointer unreadable", out problem);
                    }

                    break;
                case 'L':
                    if (!data.TryU8(out _))
                    {
                        return Fail("CIE augmentation data truncated", out problem);
                    }

                    break;
                case 'S':
                    isSignalFrame = true;
                    break;
                case 'B' or 'G':
                    break; // arm64 BTI / MTE: no data
                default:
                    known = false;
                    break;
            }
        }

        entry.TrySkip(dataLength);
        traits = new AugmentationTraits(fdeEncoding, HasData: true, isSignalFrame);
        return true;
    }

    private static bool TryU8AsUlong(ref DwarfCursor cursor, out ulong value)
    {
        var ok = cursor.TryU8(out var b);
        value = b;
        return ok;
    }

    private static bool Fail(string reason, out string? problem)
    {
        problem = reason;
        return false;
    }

    private readonly record struct AugmentationTraits(byte FdeEncoding, bool HasData, bool IsSignalFrame);
}
