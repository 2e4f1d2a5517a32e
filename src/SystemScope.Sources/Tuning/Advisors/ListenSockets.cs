using System.Globalization;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>A listening socket as /proc/PID/net/tcp{,6} shows it: for a listener, rx_queue is the accept queue's length now.</summary>
public readonly record struct ListenSocket(int Port, ulong Inode, int AcceptQueue);

public static class ListenSockets
{
    private const string ListenState = "0A";

    /// <summary>Listeners of the network namespace a process is in.</summary>
    public static List<ListenSocket> Read(string procRoot, int pid)
    {
        var sockets = new List<ListenSocket>();
        foreach (var file in new[] { "tcp", "tcp6" })
        {
            IEnumerable<string> lines;
            try
            {
                lines = File.ReadAllLines(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "net", file)).Skip(1);
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var line in lines)
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] != ListenState)
                {
                    continue;
                }

                var port = int.Parse(f[1][(f[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var queue = int.Parse(f[4][(f[4].IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                sockets.Add(new ListenSocket(port, ulong.Parse(f[9], CultureInfo.InvariantCulture), queue));
            }
        }

        return sockets;
    }

    /// <summary>The process among <paramref name="pids"/> holding a socket inode, or null.</summary>
    public static int? Owner(string procRoot, IEnumerable<int> pids, ulong inode)
    {
        var link = $"socket:[{inode.ToString(CultureInfo.InvariantCulture)}]";
        foreach (var pid in pids)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd")))
                {
                    if (new FileInfo(fd).LinkTarget == link)
                    {
                        return pid;
                    }
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // gone, or a kernel thread: not the owner
            }
        }

        return null;
    }
}
