namespace SystemScope.Bpf;

/// <summary>How many kernel objects of each kind a process holds open (by fd).</summary>
public readonly record struct KernelObjectCounts(int BpfPrograms, int BpfMaps, int BpfLinks, int BtfObjects, int PerfEvents, int BpfStats = 0)
{
    public int Total => BpfPrograms + BpfMaps + BpfLinks + BtfObjects + PerfEvents + BpfStats;

    public override string ToString() =>
        $"{BpfPrograms} programs, {BpfMaps} maps, {BpfLinks} links, {BtfObjects} BTF, {PerfEvents} perf events, {BpfStats} statistics holds";
}

/// <summary>
/// Counts the BPF programs, maps, links, BTF objects, perf events and statistics holds a process keeps, from the targets
/// of its <c>/proc/PID/fd</c> links (<c>anon_inode:bpf-prog</c>, <c>anon_inode:[perf_event]</c> …). This is
/// how "no session, nothing held" is checked.
/// </summary>
public static class KernelObjectCensus
{
    public static KernelObjectCounts Count(int pid)
    {
        int programs = 0, maps = 0, links = 0, btf = 0, perf = 0, stats = 0;
        string[] fds;
        try
        {
            fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd");
        }
        catch (DirectoryNotFoundException)
        {
            return default;
        }

        foreach (var fd in fds)
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed while we looked
            }

            switch (target)
            {
                case "anon_inode:bpf-prog":
                    programs++;
                    break;
                case "anon_inode:bpf-map":
                    maps++;
                    break;
                case "anon_inode:bpf_link":
                    links++;
                    break;
                case "anon_inode:btf":
                    btf++;
                    break;
                case "anon_inode:[perf_event]":
                    perf++;
                    break;
                case "anon_inode:bpf-stats":
                    stats++;
                    break;
            }
        }

        return new KernelObjectCounts(programs, maps, links, btf, perf, stats);
    }

    public static KernelObjectCounts CountSelf() => Count(Environment.ProcessId);
}
