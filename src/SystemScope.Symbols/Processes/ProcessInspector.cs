using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// Takes snapshots of a live process's executable mappings and opens the files they map through
/// <c>/proc/PID/map_files</c> (which still opens deleted or replaced files) or <c>/proc/PID/root</c>
/// (other mount namespaces), so they can be parsed even after the process is gone.
/// </summary>
internal sealed class ProcessInspector(string procRoot, BinaryLoader loader, VdsoImages vdso, FailureLog failures)
{
    public string ProcRoot => procRoot;

    /// <summary>A new snapshot, reusing what is unchanged since <paramref name="previous"/>; null when the maps cannot be read or are empty.</summary>
    public ProcessSnapshot? TryTakeSnapshot(int pid, ProcessSnapshot? previous)
    {
        var bytes = ProcFile.TryReadAll($"{procRoot}/{pid}/maps");
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        var raws = MapsParser.ParseExecutable(bytes);
        if (raws.Count == 0)
        {
            return null;
        }

        var unchanged = new Dictionary<RawMapping, ExecutableMapping>();
        var files = new Dictionary<(uint Device, ulong Inode), BinaryRef>();
        foreach (var mapping in previous?.Mappings ?? [])
        {
            unchanged.TryAdd(mapping.Raw, mapping);
            if (mapping.Binary is not null)
            {
                files.TryAdd((mapping.Raw.Device, mapping.Raw.Inode), mapping.Binary);
            }
        }

        var mappings = new ExecutableMapping[raws.Count];
        for (var i = 0; i < raws.Count; i++)
        {
            var raw = raws[i];
            if (unchanged.TryGetValue(raw, out var same))
            {
                mappings[i] = same;
                continue;
            }

            var (kind, module, path) = ExecutableMapping.Classify(raw.Path);
            BinaryRef? binary = null;
            if (kind == MappingKind.Special && module == VdsoImages.Module && vdso.For(pid, raw) is { } image)
            {
                binary = BinaryRef.Loaded(image, module);
            }
            else if (kind == MappingKind.File)
            {
                var key = (raw.Device, raw.Inode);
                if (!files.TryGetValue(key, out binary))
                {
                    binary = Open(pid, raw, module, path);
                    files[key] = binary;
                }
            }

            mappings[i] = new ExecutableMapping(raw, binary);
        }

        return new ProcessSnapshot(mappings);
    }

    private BinaryRef Open(int pid, RawMapping raw, string module, string path)
    {
        // A "(deleted)" mapping's path names another file now (or none): only map_files reaches the mapped one.
        var deleted = raw.Path.EndsWith(" (deleted)", StringComparison.Ordinal);
        var handle = ProcFile.TryOpen($"{procRoot}/{pid}/map_files/{raw.Range}", out var error);
        if (handle is null && !deleted)
        {
            handle = ProcFile.TryOpen($"{procRoot}/{pid}/root{path}", out error);
        }

        if (handle is null)
        {
            if (ProcessInfo.Exists(procRoot, pid))
            {
                failures.Record(pid, "binary-open", $"{path}: {error}");
            }

            return BinaryRef.Unopened(module, error ?? "cannot open");
        }

        try
        {
            var identity = new BinaryIdentity(raw.Device, raw.Inode, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks);
            if (loader.Cache.TryGet(identity, out var image))
            {
                handle.Dispose();
                return BinaryRef.Loaded(image, module);
            }

            return BinaryRef.Pending(loader, new OpenedBinary(identity, handle, path, $"{procRoot}/{pid}/root", pid), module);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            handle.Dispose();
            failures.Record(pid, "binary-open", $"{path}: {ex.Message}");
            return BinaryRef.Unopened(module, ex.Message);
        }
    }
}
