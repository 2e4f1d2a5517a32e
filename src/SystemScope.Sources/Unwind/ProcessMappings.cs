using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Support;

namespace SystemScope.Sources.Unwind;

/// <summary>What was loaded for one process: enough to notice that it is gone or replaced.</summary>
internal readonly record struct LoadedProcess(int Pid, long StartTime, long LoadedAtTicks, int Mappings, int WithTables);

/// <summary>
/// Turns a process's executable mappings (<c>/proc/PID/maps</c>) into its ss_unwind_processes entry:
/// each file mapping with its file's table (built on first use, opened through
/// <c>/proc/PID/map_files</c>, so files in other mount namespaces and deleted files work), every other
/// executable region (JIT code, the vDSO) without one, so that the walk steps it by frame pointer.
/// </summary>
internal sealed class ProcessMappings(string procRoot, FileTables files)
{
    /// <summary>Mappings beyond <see cref="UnwindProcessRecord.MaxMappings"/> that were left out (their frames end the walk).</summary>
    public long MappingsOverLimit { get; private set; }

    /// <summary>The entry for <paramref name="pid"/>, or null when the process is gone or unreadable.</summary>
    public UnwindProcessRecord? Read(int pid, out LoadedProcess loaded)
    {
        loaded = default;
        var maps = ProcFile.TryReadAll($"{procRoot}/{pid}/maps");
        var startTime = ProcessInfo.ReadStartTime(procRoot, pid);
        if (maps is null || startTime == 0)
        {
            return null;
        }

        var executable = MapsParser.ParseExecutable(maps);
        executable.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        if (executable.Count > UnwindProcessRecord.MaxMappings)
        {
            MappingsOverLimit += executable.Count - UnwindProcessRecord.MaxMappings;
            executable.RemoveRange(UnwindProcessRecord.MaxMappings, executable.Count - UnwindProcessRecord.MaxMappings);
        }

        var record = default(UnwindProcessRecord);
        var withTables = 0;
        for (var i = 0; i < executable.Count; i++)
        {
            var mapping = executable[i];
            record.Mappings[i] = new UnwindMappingRecord { Start = mapping.Start, End = mapping.End };
            if (IsFile(mapping) && TableOf(pid, mapping) is { Id: not 0 } table && table.TryBias(mapping.Start, mapping.Offset, out var bias))
            {
                record.Mappings[i].Bias = bias;
                record.Mappings[i].FileId = table.Id;
                withTables++;
            }
        }

        record.Count = (uint)executable.Count;
        loaded = new LoadedProcess(pid, startTime, Environment.TickCount64, executable.Count, withTables);
        return record;
    }

    private static bool IsFile(RawMapping mapping) =>
        mapping.Inode != 0 && mapping.Path.StartsWith('/') && !mapping.Path.StartsWith("/memfd:", StringComparison.Ordinal);

    private FileTable? TableOf(int pid, RawMapping mapping)
    {
        // Through the handle: the link's own attributes differ per process.
        using var handle = ProcFile.TryOpen($"{procRoot}/{pid}/map_files/{mapping.Range}", out _);
        if (handle is null)
        {
            return null;
        }

        try
        {
            return files.GetOrBuild(handle, mapping.Device, mapping.Inode);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
