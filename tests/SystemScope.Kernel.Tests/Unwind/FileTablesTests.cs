using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Unwind;

namespace SystemScope.Kernel.Tests.Unwind;

/// <summary>The unwinder's per-file tables in the kernel: built once per file, bounded by their budget.</summary>
[Collection(KernelCollection.Name)]
public sealed class FileTablesTests
{
    private const string Libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    private const string Loader = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";

    [KernelFact]
    public void A_file_is_built_once_and_tables_over_the_budget_leave_the_kernel_least_recently_used_first()
    {
        KernelRequirement.EnsureRoot();
        using var maps = KitObject.Load(UnwindSchema.Maps, shared: null);
        var tables = maps.Map(UnwindSchema.Tables);

        // Room for libc's table (~230 KB) but not for libc's and the loader's (~20 KB) together.
        using var files = new FileTables(tables, budgetBytes: 240 * 1024);
        var libc = Get(files, Libc);
        Assert.NotEqual(0UL, libc.Id);
        Assert.Same(libc, Get(files, Libc));
        Assert.Equal(1, files.Built);
        Assert.True(tables.TryLookup(libc.Id, out uint _), "libc's table is in the kernel");

        var loader = Get(files, Loader);
        Assert.NotEqual(0UL, loader.Id);
        Assert.Equal(1, files.Evicted);
        Assert.True(files.Bytes <= 240 * 1024, $"{files.Bytes} bytes over the budget");
        Assert.False(tables.TryLookup(libc.Id, out uint _), "the least recently used table left the kernel");
        Assert.True(tables.TryLookup(loader.Id, out uint _));

        // Not ELF: no table, counted, and asking again does not try again.
        var text = Get(files, "/etc/os-release");
        Assert.Equal(0UL, text.Id);
        Assert.NotNull(text.Problem);
        Assert.Same(text, Get(files, "/etc/os-release"));
        Assert.Equal(1, files.WithoutTable);
    }

    private static FileTable Get(FileTables files, string path)
    {
        // ELF files are known by build id; the rest by size and time (device and inode as a maps line would give them).
        using var handle = File.OpenHandle(path);
        return files.GetOrBuild(handle, 0, 0);
    }
}
