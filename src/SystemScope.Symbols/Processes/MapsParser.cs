using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// Parses <c>/proc/PID/maps</c> (<c>start-end perms offset major:minor inode path</c>), keeping the
/// executable lines. Malformed lines are skipped, never fatal.
/// </summary>
internal static class MapsParser
{
    public static List<RawMapping> ParseExecutable(ReadOnlySpan<byte> text)
    {
        var result = new List<RawMapping>();
        while (!text.IsEmpty)
        {
            var newline = text.IndexOf((byte)'\n');
            var line = newline < 0 ? text : text[..newline];
            text = newline < 0 ? default : text[(newline + 1)..];
            if (TryParseLine(line, out var mapping, out var executable) && executable)
            {
                result.Add(mapping);
            }
        }

        return result;
    }

    public static bool TryParseLine(ReadOnlySpan<byte> line, out RawMapping mapping, out bool executable)
    {
        mapping = default;
        executable = false;
        if (!NextField(ref line, out var range) || !NextField(ref line, out var perms) || !NextField(ref line, out var offsetText)
            || !NextField(ref line, out var device) || !NextField(ref line, out var inodeText))
        {
            return false;
        }

        var dash = range.IndexOf((byte)'-');
        var colon = device.IndexOf((byte)':');
        if (dash <= 0 || colon <= 0 || perms.Length < 4
            || !TryHex(range[..dash], out var start) || !TryHex(range[(dash + 1)..], out var end) || end <= start
            || !TryHex(offsetText, out var offset)
            || !TryHex(device[..colon], out var major) || !TryHex(device[(colon + 1)..], out var minor)
            || !Utf8Parser.TryParse(inodeText, out ulong inode, out var used) || used != inodeText.Length)
        {
            return false;
        }

        executable = perms[2] == (byte)'x';
        var path = Encoding.UTF8.GetString(line.TrimStart((byte)' ').TrimEnd((byte)'\r'));
        mapping = new RawMapping(start, end, offset, (uint)((major << 20) | (minor & 0xFFFFF)), inode, path, Encoding.ASCII.GetString(range));
        return true;
    }

    private static bool NextField(ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> field)
    {
        line = line.TrimStart((byte)' ');
        var space = line.IndexOf((byte)' ');
        field = space < 0 ? line : line[..space];
        line = space < 0 ? default : line[space..];
        return !field.IsEmpty;
    }

    private static bool TryHex(ReadOnlySpan<byte> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
