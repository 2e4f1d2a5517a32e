namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// The runtime's NativeFormat sparse array (MethodDefEntryPoints, DebugInfo): a header with the
/// element count and the size of the block index, then per block of 16 elements a small binary tree
/// whose leaves point at each present element's data. Mirrors <c>NativeArray::TryGetAt</c>.
/// </summary>
internal sealed class NativeArray
{
    private const uint BlockSize = 16;

    private readonly RvaImage _image;
    private readonly uint _baseRva;
    private readonly uint _entryIndexSize;

    public NativeArray(RvaImage image, uint rva)
    {
        _image = image;
        _baseRva = image.DecodeUnsigned(rva, out var header);
        Count = header >> 2;
        _entryIndexSize = header & 3;
        if (_entryIndexSize > 2)
        {
            throw new BadImageFormatException($"NativeArray at RVA 0x{rva:x}: index entry size code {_entryIndexSize}");
        }
    }

    public uint Count { get; }

    /// <summary>The RVA of element <paramref name="index"/>'s data, when the element is present.</summary>
    public bool TryGetAt(uint index, out uint rva)
    {
        rva = 0;
        if (index >= Count)
        {
            return false;
        }

        var block = index / BlockSize;
        uint offset = _entryIndexSize switch
        {
            0 => _image.ReadByte(_baseRva + block),
            1 => _image.ReadUInt16(_baseRva + (2 * block)),
            _ => _image.ReadUInt32(_baseRva + (4 * block)),
        };
        offset += _baseRva;

        for (var bit = BlockSize >> 1; bit > 0; bit >>= 1)
        {
            var next = _image.DecodeUnsigned(offset, out var value);
            if ((index & bit) != 0)
            {
                if ((value & 2) != 0)
                {
                    offset += value >> 2;
                    continue;
                }
            }
            else if ((value & 1) != 0)
            {
                offset = next;
                continue;
            }

            // A special leaf: the one present element below this node.
            if ((value & 3) == 0 && (value >> 2) == (index & (BlockSize - 1)))
            {
                offset = next;
                break;
            }

            return false;
        }

        rva = offset;
        return true;
    }
}
