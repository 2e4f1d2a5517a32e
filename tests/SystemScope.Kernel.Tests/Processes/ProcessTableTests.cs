using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Core.Sessions;
using SystemScope.Sources.Processes;

namespace SystemScope.Kernel.Tests.Processes;

public sealed class ProcessTableTests
{
    [Fact]
    public void Stat_lines_parse_even_when_the_name_has_spaces_and_parentheses()
    {
        // proc(5): pid (comm) state ppid … utime(14) stime(15) … num_threads(20) … rss(24) …
        const string Stat = "4242 (my (odd) name) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 7 0 12345 1000000 321 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

        Assert.True(ProcessTable.TryParseStat(Stat, out var name, out var ticks, out var threads, out var rss));

        Assert.Equal("my (odd) name", name);
        Assert.Equal(300, ticks);
        Assert.Equal(7, threads);
        Assert.Equal(321, rss);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 no-parentheses R 1")]
    [InlineData("4242 (short) R 1 2 3")]
    public void Malformed_stat_lines_are_refused(string stat) =>
        Assert.False(ProcessTable.TryParseStat(stat, out _, out _, out _, out _));

    [Theory]
    [InlineData("browser_workloa", "/tmp/x/browser_workload", "browser_workload")]
    [InlineData("bash", "/bin/bash", "bash")]
    [InlineData("kworker/0:1-eve", "", "kworker/0:1-eve")]
    [InlineData("renamed_thread_", "/usr/bin/other", "renamed_thread_")]
    public void Truncated_names_are_completed_from_the_program_file(string comm, string program, string expected) =>
        Assert.Equal(expected, ProcessTable.FullName(comm, program));

    [Fact]
    public void A_busy_workload_is_listed_with_its_command_line_and_cpu_share()
    {
        using var workload = Workloads.Start("cpu_split", "6");
        var table = new ProcessTable();

        var entry = table.List().Single(p => p.Pid == workload.Pid);

        Assert.Equal("cpu_split", entry.Name);
        Assert.Equal($"{workload.BinaryPath} 6", entry.CommandLine);
        Assert.InRange(entry.CpuPercent, 30, 110); // one busy thread (at most one CPU), measured over the listing's own baseline
        Assert.True(table.Exists(workload.Pid));
        Assert.False(table.Exists(999_999));
    }
    [KernelFact]
    public void A_cgroup_path_resolves_to_the_inode_of_its_directory_and_its_depth()
    {
        using var cgroup = TestCgroup.Create();
        var table = new ProcessTable();

        var root = table.ResolveCgroup("/");
        var parent = table.ResolveCgroup(cgroup.Path);
        var child = table.ResolveCgroup(cgroup.ChildPath);

        Assert.Equal(new CgroupRef(Inode(cgroup.MountPoint), 0), root);
        Assert.Equal(new CgroupRef(Inode(cgroup.FullPath(cgroup.Path)), 1), parent);
        Assert.Equal(new CgroupRef(Inode(cgroup.FullPath(cgroup.ChildPath)), 2), child);
        Assert.Null(table.ResolveCgroup(cgroup.Path + "/absent"));
    }

    [Theory]
    [InlineData(@"/sys/fs/cgroup/with\040space", "/sys/fs/cgroup/with space")]
    [InlineData("/plain", "/plain")]
    [InlineData(@"/tail\134", @"/tail\")]
    public void Mountinfo_escapes_are_undone(string field, string path) => Assert.Equal(path, CgroupFs.Unescape(field));

    private static ulong Inode(string path)
    {
        // stat(1) is the independent reference for the inode number.
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return ulong.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}
