using System.Globalization;

namespace SystemScope.Sources.BlockIo;

/// <summary>A block device of this machine: a whole disk or a partition, by name and number.</summary>
internal sealed record BlockDevice(string Name, uint Major, uint Minor, bool IsPartition)
{
    /// <summary>The kernel's internal dev_t (<c>major &lt;&lt; 20 | minor</c>), as BPF programs see it.</summary>
    public uint KernelDev => (Major << 20) | Minor;
}

/// <summary>
/// Names of block devices by number, from sysfs: <c>/sys/class/block</c> lists every disk and partition
/// (each with its <c>dev</c> file, <c>major:minor</c>); a number not known yet (a device added since)
/// is looked up in <c>/sys/dev/block/M:m/uevent</c>, and one that is not there either is shown as
/// <c>M:m</c>. Thread-safe.
/// </summary>
internal sealed class BlockDevices(string sysRoot = "/sys")
{
    private readonly Lock _gate = new();
    private Dictionary<uint, string>? _names;

    /// <summary>Every block device of the machine now, by name.</summary>
    public IReadOnlyList<BlockDevice> Scan()
    {
        var devices = new List<BlockDevice>();
        var directory = Path.Combine(sysRoot, "class", "block");
        if (!Directory.Exists(directory))
        {
            return devices;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            var name = Path.GetFileName(entry);
            if (TryParseNumber(ReadText(Path.Combine(entry, "dev")), out var major, out var minor))
            {
                devices.Add(new BlockDevice(name, major, minor, File.Exists(Path.Combine(entry, "partition"))));
            }
        }

        devices.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return devices;
    }

    /// <summary>The name of the device with this kernel dev_t.</summary>
    public string NameOf(uint kernelDev)
    {
        lock (_gate)
        {
            _names ??= Scan().ToDictionary(d => d.KernelDev, d => d.Name);
            if (_names.TryGetValue(kernelDev, out var name))
            {
                return name;
            }

            var (major, minor) = (kernelDev >> 20, kernelDev & 0xfffff);
            var number = string.Create(CultureInfo.InvariantCulture, $"{major}:{minor}");
            name = DevNameFromUevent(Path.Combine(sysRoot, "dev", "block", number, "uevent")) ?? number;
            _names[kernelDev] = name;
            return name;
        }
    }

    /// <summary>Parses <c>major:minor</c> as the dev files write it.</summary>
    public static bool TryParseNumber(string? text, out uint major, out uint minor)
    {
        major = minor = 0;
        if (text is null)
        {
            return false;
        }

        var parts = text.Trim().Split(':');
        return parts.Length == 2 &&
               uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out major) &&
               uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }

    private static string? DevNameFromUevent(string path)
    {
        foreach (var line in (ReadText(path) ?? string.Empty).Split('\n'))
        {
            if (line.StartsWith("DEVNAME=", StringComparison.Ordinal) && line.Length > "DEVNAME=".Length)
            {
                return line["DEVNAME=".Length..].Trim();
            }
        }

        return null;
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
