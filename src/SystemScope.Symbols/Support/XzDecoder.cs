using System.Runtime.InteropServices;

namespace SystemScope.Symbols.Support;

/// <summary>
/// Decompresses a whole .xz stream in memory through liblzma (<c>liblzma.so.5</c>, part of every
/// Debian system), loaded at run time: where it is missing, callers get a reason instead of data.
/// The output is bounded; the decoder's own memory too.
/// </summary>
internal static unsafe class XzDecoder
{
    private const string Library = "liblzma.so.5";
    private const int LzmaOk = 0;
    private const int LzmaStreamEnd = 1;
    private const int LzmaMemoryLimitError = 6;
    private const int LzmaBufferError = 10;
    private const ulong DecoderMemoryLimit = 256UL * 1024 * 1024;

    private static readonly Lazy<(nint Decode, string? Error)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why xz data cannot be decompressed here, or null when it can.</summary>
    public static string? UnavailableReason => Loaded.Value.Error;

    /// <summary>The decompressed bytes, or null with the reason (not xz, corrupt, larger than <paramref name="maxOutput"/>, no liblzma).</summary>
    public static byte[]? TryDecompress(ReadOnlySpan<byte> input, int maxOutput, out string? error)
    {
        var (decode, loadError) = Loaded.Value;
        if (decode == 0)
        {
            error = loadError;
            return null;
        }

        // The uncompressed size is not known up front: start near a typical ratio and grow.
        var size = (int)Math.Min(maxOutput, Math.Max(64L * 1024, input.Length * 8L));
        while (true)
        {
            var output = new byte[size];
            var result = Decode(decode, input, output, out var written);
            if (result is LzmaOk or LzmaStreamEnd)
            {
                error = null;
                return written == (nuint)output.Length ? output : output.AsSpan(0, (int)written).ToArray();
            }

            if (result != LzmaBufferError)
            {
                error = result == LzmaMemoryLimitError
                    ? $"xz data needs more than {DecoderMemoryLimit >> 20} MiB to decode"
                    : $"not valid xz data (liblzma error {result})";
                return null;
            }

            if (size >= maxOutput)
            {
                error = $"xz data decompresses to more than {maxOutput >> 20} MiB";
                return null;
            }

            size = (int)Math.Min(maxOutput, size * 4L);
        }
    }

    private static int Decode(nint decode, ReadOnlySpan<byte> input, byte[] output, out nuint written)
    {
        var function = (delegate* unmanaged<ulong*, uint, void*, byte*, nuint*, nuint, byte*, nuint*, nuint, int>)decode;
        var memoryLimit = DecoderMemoryLimit;
        nuint inputPosition = 0;
        nuint outputPosition = 0;
        int result;
        fixed (byte* source = input)
        fixed (byte* destination = output)
        {
            result = function(&memoryLimit, 0, null, source, &inputPosition, (nuint)input.Length, destination, &outputPosition, (nuint)output.Length);
        }

        written = outputPosition;
        return result;
    }

    private static (nint, string?) Load()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return (0, $"{Library} could not be loaded: xz-compressed data (MiniDebugInfo) is skipped");
        }

        return NativeLibrary.TryGetExport(handle, "lzma_stream_buffer_decode", out var decode)
            ? (decode, null)
            : (0, $"{Library} has no lzma_stream_buffer_decode: xz-compressed data (MiniDebugInfo) is skipped");
    }
}
