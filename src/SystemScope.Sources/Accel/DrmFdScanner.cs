using System.Globalization;
using SystemScope.Core.Events.Accel;

namespace SystemScope.Sources.Accel;

/// <summary>One process's DRM clients at one reading, de-duplicated by client across its fds.</summary>
internal sealed record DrmProcessReading(int Pid, string Name, IReadOnlyList<DrmClientUsage> Clients);

/// <summary>
/// Finds the processes that hold DRM devices and reads their clients' usage stats. Cheap by design:
/// it reads only fd links (<c>readlink /proc/PID/fd/N</c>) to find fds on <c>/dev/dri/*</c> or
/// <c>/dev/accel/*</c> (or, for a node elsewhere such as in a container, a character device of the DRM
/// or accel major), and reads fdinfo text only for those. The root is a parameter so that a test can
/// point the scanner at a stand-in tree; the agent always uses /proc.
/// </summary>
internal sealed class DrmFdScanner(string procRoot, Func<string, (uint Major, uint Minor)?>? deviceOf = null)
{
    /// <summary>The DRM character-device major (<c>/dev/dri/*</c>).</summary>
    public const uint DrmMajor = 226;

    /// <summary>The compute-accelerator major (<c>/dev/accel/*</c>).</summary>
    public const uint AccelMajor = 261;

    private readonly Func<string, (uint Major, uint Minor)?> _deviceOf = deviceOf ?? CharDevice.Of;

    public long ProcessesScanned { get; private set; }

    public long FdLinksRead { get; private set; }

    public long DrmFdsRead { get; private set; }

    /// <summary>fdinfo files of DRM fds that had no usage stats (a driver without them, or an fd closed meanwhile).</summary>
    public long FdsWithoutStats { get; private set; }

    /// <summary>Every process under the root, or the given pids; <paramref name="wanted"/> filters by pid and name.</summary>
    public List<DrmProcessReading> Scan(IEnumerable<int>? pids, Func<int, string, bool> wanted)
    {
        var readings = new List<DrmProcessReading>();
        foreach (var pid in pids ?? FdLinks.Pids(procRoot))
        {
            ProcessesScanned++;
            var drmFds = DrmFds(pid);
            if (drmFds.Count == 0)
            {
                continue;
            }

            var name = ReadComm(procRoot, pid);
            if (name is null || !wanted(pid, name))
            {
                continue;
            }

            var clients = ReadClients(pid, name, drmFds);
            if (clients.Count > 0)
            {
                readings.Add(new DrmProcessReading(pid, name, clients));
            }
        }

        return readings;
    }

    /// <summary>The process's fds that lead to a DRM or accel device node, with the node's path.</summary>
    internal List<(string Fd, string Node)> DrmFds(int pid)
    {
        var found = new List<(string, string)>();
        var fdDirectory = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd");
        var read = FdLinks.ForEach(fdDirectory, (fd, target) =>
        {
            if (target.StartsWith("/dev/dri/"u8) || target.StartsWith("/dev/accel/"u8))
            {
                found.Add((FdLinks.Text(fd), FdLinks.Text(target)));
            }
            else if (target.StartsWith("/dev/"u8) && !target.StartsWith("/dev/pts/"u8) && !target.StartsWith("/dev/null"u8)
                     && _deviceOf(Path.Combine(fdDirectory, FdLinks.Text(fd))) is { Major: DrmMajor or AccelMajor })
            {
                // A node outside /dev/dri (a container's own /dev): the major number says what it is.
                found.Add((FdLinks.Text(fd), FdLinks.Text(target)));
            }
        });
        FdLinksRead += Math.Max(0, read);
        return found;
    }

    private List<DrmClientUsage> ReadClients(int pid, string name, List<(string Fd, string Node)> drmFds)
    {
        var clients = new Dictionary<(string Driver, string Device, long Client), (DrmFdinfoReading Reading, int Fds)>();
        var fdinfo = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fdinfo");
        foreach (var (fd, node) in drmFds)
        {
            DrmFdsRead++;
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(fdinfo, fd));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FdsWithoutStats++;
                continue;
            }

            if (!DrmFdinfo.TryParse(text, out var reading))
            {
                FdsWithoutStats++;
                continue;
            }

            // Without drm-client-id every fd is its own client; ids may be unique per device only.
            var device = reading.PciDevice ?? node;
            var key = reading.ClientId >= 0 ? (reading.Driver, device, reading.ClientId) : (reading.Driver, $"{node} fd {fd}", -1L);
            clients[key] = clients.TryGetValue(key, out var seen) ? (seen.Reading, seen.Fds + 1) : (reading, 1);
        }

        return [.. clients.Select(c => new DrmClientUsage(name, c.Key.Driver, c.Key.Device, c.Key.Client, c.Value.Fds, c.Value.Reading.Engines, c.Value.Reading.Regions))];
    }

    /// <summary>A process's name (comm), or null when it has gone.</summary>
    internal static string? ReadComm(string procRoot, int pid)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "comm")).TrimEnd('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
