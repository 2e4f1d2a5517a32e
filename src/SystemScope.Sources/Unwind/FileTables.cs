using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SystemScope.Bpf;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Sources.Unwind;


/// <summary>One file's loaded table: its id in ss_unwind_tables, and how its addresses map to ELF addresses.</summary>
internal sealed class FileTable(ulong id, BpfArray? rows, ElfProgramHeader[] segments, int rowCount, string? problem)
{
    /// <summary>The key in ss_unwind_tables; 0 when the file has no table (walked with frame pointers).</summary>
    public ulong Id { get; } = id;

    public BpfArray? Rows { get; } = rows;

    /// <summary>PT_LOAD segments, to turn a mapping's file offset into the ELF address its rows use.</summary>
    public ElfProgramHeader[] Segments { get; } = segments;

    public int RowCount { get; } = rowCount;

    public long Bytes => Rows?.Bytes ?? 0;

    /// <summary>Why there is no table, when there is none.</summary>
    public string? Problem { get; } = problem;

    public long LastUsedTicks { get; set; } = Environment.TickCount64;

    /// <summary>ELF address − this value = the address in a mapping of file offset <paramref name="offset"/> at <paramref name="start"/>; false when no load segment holds the offset.</summary>
    public bool TryBias(ulong start, ulong offset, out ulong bias)
    {
        foreach (var segment in Segments)
        {
            var pageOffset = segment.Offset & ~0xFFFUL;
            if (segment.Type == 1 && offset >= pageOffset && offset < segment.Offset + segment.FileSize)
            {
                bias = start - (offset - segment.Offset + segment.VirtualAddress);
                return true;
            }
        }

        bias = 0;
        return false;
    }
}

/// <summary>
/// The tables of every file the unwinder has met, loaded into ss_unwind_tables once and shared by
/// every process that maps the file: by build id (the same library in two containers is one table),
/// else by device, inode, size and modification time. Bounded by a byte budget: past it, the tables
/// used least recently leave the kernel (their frames fall back to frame pointers until a process
/// that maps them is loaded again). Not thread-safe: the unwinder's worker owns it.
/// </summary>
internal sealed class FileTables(BpfMap tables, long budgetBytes) : IDisposable
{
    private readonly Dictionary<string, FileTable> _files = new(StringComparer.Ordinal);
    private ulong _nextId;

    public long Bytes { get; private set; }

    public int Loaded => _files.Values.Count(f => f.Rows is not null);

    public long Rows => _files.Values.Sum(f => (long)f.RowCount);

    public long Built { get; private set; }

    /// <summary>Files walked by frame pointers: not ELF, no usable CFI, a Go binary, a kernel refusal.</summary>
    public long WithoutTable { get; private set; }

    public long Evicted { get; private set; }

    public TimeSpan BuildTime { get; private set; }

    public long SectionBytes { get; private set; }

    /// <summary>The table of the file open as <paramref name="file"/> (through a /proc/PID/map_files link, device and inode from the maps line), built on first use.</summary>
    public FileTable GetOrBuild(SafeFileHandle file, uint device, ulong inode)
    {
        var elf = ElfFile.TryOpen(file, out var opened, out var elfError) ? opened : null;
        var identity = elf?.ReadBuildId() is { } buildId
            ? "build-id " + buildId
            : $"file {device}:{inode}:{RandomAccess.GetLength(file)}:{File.GetLastWriteTimeUtc(file).Ticks}";
        if (_files.TryGetValue(identity, out var known))
        {
            known.LastUsedTicks = Environment.TickCount64;
            return known;
        }

        FileTable table;
        if (elf is null)
        {
            WithoutTable++;
            table = new FileTable(0, null, [], 0, elfError);
        }
        else
        {
            table = Build(elf);
        }

        _files[identity] = table;
        Bytes += table.Bytes;
        EvictOverBudget(table);
        return table;
    }

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Rows?.Dispose();
        }

        _files.Clear();
    }

    private FileTable Build(ElfFile elf)
    {
        // Go keeps frame pointers and switches stacks (systemstack, mcall) where its CFI does not
        // follow; the frame-pointer walk is right for it, as it is for JIT code.
        if (elf.Sections.Any(section => section.Name == ".gopclntab"))
        {
            WithoutTable++;
            return new FileTable(0, null, elf.Segments, 0, "a Go binary: walked by frame pointers, which Go keeps");
        }

        var clock = Stopwatch.StartNew();
        if (!UnwindTableBuilder.TryBuild(elf, out var unwind, out var error) || unwind.Rows.Length == 0)
        {
            WithoutTable++;
            return new FileTable(0, null, elf.Segments, 0, error ?? "no unwind information");
        }

        var rows = Encode(unwind.Rows, out var encodeError);
        if (rows is null)
        {
            WithoutTable++;
            return new FileTable(0, null, elf.Segments, 0, encodeError);
        }

        var id = ++_nextId;
        BpfArray? array = null;
        try
        {
            array = BpfArray.Create("ss_unwind_rows", Marshal.SizeOf<UnwindRowRecord>(), (uint)rows.Length, MemoryMarshal.AsBytes(rows.AsSpan()));
            Span<byte> key = stackalloc byte[sizeof(ulong)];
            MemoryMarshal.Write(key, in id);
            tables.UpdateInner(key, array);
        }
        catch (BpfException ex)
        {
            array?.Dispose();
            WithoutTable++;
            return new FileTable(0, null, elf.Segments, 0, ex.Message);
        }

        Built++;
        BuildTime += clock.Elapsed;
        SectionBytes += unwind.SectionBytes;
        return new FileTable(id, array, elf.Segments, rows.Length - 1, null);
    }

    /// <summary>The rows as the kernel reads them, after a header row holding their count; null when they do not fit the format.</summary>
    private static UnwindRowRecord[]? Encode(UnwindRow[] rows, out string? error)
    {
        var encoded = new UnwindRowRecord[rows.Length + 1];
        encoded[0].Pc = (uint)rows.Length;
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            if (row.Address > uint.MaxValue)
            {
                error = $"addresses beyond 4 GiB (0x{row.Address:x}) do not fit the table format";
                return null;
            }

            encoded[i + 1] = new UnwindRowRecord
            {
                Pc = (uint)row.Address,
                Rule = (byte)row.Rule,
                CfaOffset = (ushort)Math.Clamp(row.CfaOffset, 0, ushort.MaxValue),
                RbpOffset = (sbyte)Math.Clamp(row.RbpOffset / 8, sbyte.MinValue, sbyte.MaxValue),
            };
        }

        error = null;
        return encoded;
    }

    private void EvictOverBudget(FileTable keep)
    {
        while (Bytes > budgetBytes)
        {
            var victim = _files.Where(f => f.Value.Rows is not null && f.Value != keep).MinBy(f => f.Value.LastUsedTicks);
            if (victim.Value is null)
            {
                return;
            }

            tables.TryDelete(victim.Value.Id);
            victim.Value.Rows!.Dispose();
            Bytes -= victim.Value.Bytes;
            _files.Remove(victim.Key);
            Evicted++;
        }
    }
}
