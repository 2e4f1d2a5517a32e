using System.Buffers.Binary;
using SystemScope.Sources.Gpu.Catalogue;

namespace SystemScope.Sources.Gpu;

/// <summary>Reads a catalogue entry's values out of one captured call.</summary>
internal static class CallValues
{
    public static ulong Read(in GpuCallRecord call, GpuFunction function, ValueRef value)
    {
        ReadOnlySpan<ulong> args = call.Arguments;
        return value.From switch
        {
            ValueFrom.Argument => Argument(args, value.Argument),
            ValueFrom.Argument32 => (uint)Argument(args, value.Argument),
            ValueFrom.Return => (ulong)call.Return,
            ValueFrom.Written => call.Written,
            ValueFrom.Pointee => Pointee(call, function, value.Argument, value.Offset, value.Width),
            _ => 0,
        };
    }

    public static (uint X, uint Y, uint Z) Dims(in GpuCallRecord call, GpuFunction function, DimsRef dims)
    {
        ReadOnlySpan<ulong> args = call.Arguments;
        switch (dims.From)
        {
            case DimsFrom.Arguments:
                return ((uint)Argument(args, dims.Argument), (uint)Argument(args, dims.Argument + 1), (uint)Argument(args, dims.Argument + 2));
            case DimsFrom.ByValue:
                var xy = Argument(args, dims.Argument);
                return ((uint)xy, (uint)(xy >> 32), (uint)Argument(args, dims.Argument + 1));
            case DimsFrom.Pointee32:
                return (
                    (uint)Pointee(call, function, dims.Argument, dims.Offset, 4),
                    (uint)Pointee(call, function, dims.Argument, dims.Offset + 4, 4),
                    (uint)Pointee(call, function, dims.Argument, dims.Offset + 8, 4));
            case DimsFrom.PointeeSizes:
                // size_t[work_dim]; no array (NULL) means the implementation chooses: left as zeros.
                if (Argument(args, dims.Argument) == 0)
                {
                    return (0, 0, 0);
                }

                var count = Argument(args, dims.CountArgument);
                Span<uint> sizes = [1, 1, 1];
                for (var i = 0; i < sizes.Length && (ulong)i < count; i++)
                {
                    sizes[i] = (uint)Pointee(call, function, dims.Argument, i * 8, 8);
                }

                return (sizes[0], sizes[1], sizes[2]);
            default:
                return (0, 0, 0);
        }
    }

    private static ulong Argument(ReadOnlySpan<ulong> args, int number) => number >= 1 && number <= args.Length ? args[number - 1] : 0;

    private static ulong Pointee(in GpuCallRecord call, GpuFunction function, int argument, int offset, int width)
    {
        var blobs = function.BlobArguments;
        ReadOnlySpan<byte> bytes = blobs.Count > 0 && blobs[0] == argument ? call.BlobA
            : blobs.Count > 1 && blobs[1] == argument ? call.BlobB
            : [];
        if (offset < 0 || offset + width > bytes.Length)
        {
            return 0;
        }

        return width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]) : BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);
    }
}
