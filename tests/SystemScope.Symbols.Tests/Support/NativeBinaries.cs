namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// Every native binary the tests use, compiled once per test run into a temp directory: a shared
/// library, the program as PIE and as non-PIE, stripped variants, variants whose symbols live only
/// in a separate debug file (found by build id, or by debug link and CRC), a dlopen loader and a
/// program to replace another one's file with.
/// </summary>
public sealed class NativeBinaries : IDisposable
{
    /// <summary>The build id given to the PIE program, so that reading it back has a known answer.</summary>
    public const string PieBuildId = "5ca1ab1e0123456789abcdef0011223344556677";

    private static readonly string[] CommonFlags = ["-O0", "-g", "-fno-omit-frame-pointer", "-fno-toplevel-reorder"];

    private readonly TempDirectory _directory = new();
    private readonly Lazy<string> _miniDebug;
    private readonly Lazy<string> _miniDebugCorrupt;
    private readonly Lazy<string> _vdsoSpinner;
    private readonly Lazy<string> _bpfLoader;

    public NativeBinaries()
    {
        var dir = _directory;
        dir.Write("lib.c", CSources.Library);
        dir.Write("program.c", CSources.Program);
        dir.Write("other.c", CSources.Other);
        dir.Write("plugin.c", CSources.Plugin);
        dir.Write("loader.c", CSources.Loader);
        dir.Write("vdso-spinner.c", CSources.VdsoSpinner);
        dir.Write("bpf-loader.c", CSources.BpfLoader);

        Library = Gcc("libsymtest.so", "lib.c", "-fPIC", "-shared");
        Plugin = Gcc("libplugin.so", "plugin.c", "-fPIC", "-shared");
        Pie = Gcc("pie", "program.c", "-fPIE", "-pie", $"-Wl,--build-id=0x{PieBuildId}", "-lsymtest");
        NoPie = Gcc("nopie", "program.c", "-fno-pie", "-no-pie", "-lsymtest");
        Other = Gcc("other", "other.c", "-fPIE", "-pie");
        Loader = Gcc("loader", "loader.c", "-fPIE", "-pie", "-ldl");

        // Exported functions only: -rdynamic puts them into .dynsym, strip removes .symtab.
        Stripped = Gcc("stripped", "program.c", "-fPIE", "-pie", "-rdynamic", "-lsymtest");
        Tool.Run("strip", "--strip-all", Stripped);

        // Symbols only in DebugRoot/.build-id/xx/rest.debug.
        BuildIdStripped = Gcc("buildid-stripped", "program.c", "-fPIE", "-pie", "-Wl,--build-id=sha1", "-lsymtest");
        var unstripped = dir["buildid-unstripped"];
        File.Copy(BuildIdStripped, unstripped);
        var buildId = ReadBuildIdWithReadelf(BuildIdStripped);
        DebugRoot = dir["debug-root"];
        var debugFile = Path.Combine(DebugRoot, ".build-id", buildId[..2], buildId[2..] + ".debug");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(debugFile)!);
        Tool.Run("objcopy", "--only-keep-debug", unstripped, debugFile);
        Tool.Run("strip", "--strip-all", BuildIdStripped);

        // No build id: the debug file is found through .gnu_debuglink next to the binary and checked by CRC.
        DebugLinked = Gcc("debuglinked", "program.c", "-fPIE", "-pie", "-Wl,--build-id=none", "-lsymtest");
        Tool.Run("objcopy", "--only-keep-debug", DebugLinked, dir["debuglinked.debug"]);
        Tool.Run("strip", "--strip-all", DebugLinked);
        Tool.RunIn(dir.Path, "objcopy", "--add-gnu-debuglink=debuglinked.debug", DebugLinked);

        _miniDebug = new(BuildMiniDebug);
        _miniDebugCorrupt = new(BuildMiniDebugCorrupt);
        _vdsoSpinner = new(() => Gcc("vdso-spinner", "vdso-spinner.c", "-O2"));
        _bpfLoader = new(() => Gcc("bpf-loader", "bpf-loader.c"));
    }

    public string Directory => _directory.Path;

    /// <summary>Stripped, with the functions .dynsym lacks in an xz-compressed .gnu_debugdata, made the way Fedora makes it.</summary>
    public string MiniDebug => _miniDebug.Value;

    /// <summary>A program that spins in clock_gettime (in the vDSO) until it has caught itself there.</summary>
    public string VdsoSpinner => _vdsoSpinner.Value;

    /// <summary>A program that loads a BPF program when told (root only).</summary>
    public string BpfLoader => _bpfLoader.Value;

    /// <summary>Stripped, exports in .dynsym, and a .gnu_debugdata section that is not xz data.</summary>
    public string MiniDebugCorrupt => _miniDebugCorrupt.Value;

    public string Library { get; }

    public string Plugin { get; }

    public string Pie { get; }

    public string NoPie { get; }

    public string Other { get; }

    public string Loader { get; }

    public string Stripped { get; }

    public string BuildIdStripped { get; }

    /// <summary>The debug directory holding <see cref="BuildIdStripped"/>'s debug file.</summary>
    public string DebugRoot { get; }

    public string DebugLinked { get; }

    /// <summary>Function symbols by name, from binutils' nm (the reference the reader is checked against).</summary>
    public static Dictionary<string, ulong> NmFunctions(string path, bool dynamic = false)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        string[] arguments = dynamic ? ["--defined-only", "-D", path] : ["--defined-only", path];
        foreach (var line in Tool.Run("nm", arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[1] is "T" or "t")
            {
                result[parts[2]] = Convert.ToUInt64(parts[0], 16);
            }
        }

        return result;
    }

    /// <summary>Starts a compiled program with the library on its path and waits for its "ready" line.</summary>
    public RunningProgram Start(string path, params string[] arguments) => RunningProgram.Start(path, Directory, arguments);

    public void Dispose() => _directory.Dispose();

    private static string ReadBuildIdWithReadelf(string path)
    {
        const string marker = "Build ID: ";
        var notes = Tool.Run("readelf", "-n", path);
        var at = notes.IndexOf(marker, StringComparison.Ordinal);
        return notes[(at + marker.Length)..].Split('\n')[0].Trim();
    }

    // gdb's documentation of MiniDebugInfo, step by step: the function symbols that .dynsym does not
    // hold, kept from a debug-only copy, compressed with xz into .gnu_debugdata of the stripped binary.
    private string BuildMiniDebug()
    {
        var binary = Gcc("minidebug", "program.c", "-fPIE", "-pie", "-rdynamic", "-lsymtest");
        var dynamicNames = PosixSymbols(binary, dynamic: true).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var keep = PosixSymbols(binary, dynamic: false).Where(s => s.Type is "T" or "t" && !dynamicNames.Contains(s.Name)).Select(s => s.Name);
        File.WriteAllLines(_directory["minidebug.keep"], keep);
        Tool.Run("objcopy", "--only-keep-debug", binary, _directory["minidebug.debug"]);
        Tool.Run("objcopy", "-S", "--remove-section", ".gdb_index", "--remove-section", ".comment", $"--keep-symbols={_directory["minidebug.keep"]}", _directory["minidebug.debug"], _directory["minidebug.mini"]);
        Tool.Run("strip", "--strip-all", "-R", ".comment", binary);
        Tool.Run("xz", "--force", _directory["minidebug.mini"]);
        Tool.Run("objcopy", "--add-section", $".gnu_debugdata={_directory["minidebug.mini.xz"]}", binary);
        return binary;
    }

    private string BuildMiniDebugCorrupt()
    {
        var binary = Gcc("minidebug-corrupt", "program.c", "-fPIE", "-pie", "-rdynamic", "-lsymtest");
        Tool.Run("strip", "--strip-all", binary);
        // The xz magic, then bytes that are no xz stream.
        File.WriteAllBytes(_directory["garbage.xz"], [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, .. "then no xz stream at all"u8]);
        Tool.Run("objcopy", "--add-section", $".gnu_debugdata={_directory["garbage.xz"]}", binary);
        return binary;
    }

    private static IEnumerable<(string Name, string Type)> PosixSymbols(string path, bool dynamic)
    {
        string[] arguments = dynamic ? ["--format=posix", "--defined-only", "-D", path] : ["--format=posix", "--defined-only", path];
        foreach (var line in Tool.Run("nm", arguments).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length >= 2)
            {
                yield return (parts[0], parts[1]);
            }
        }
    }

    private string Gcc(string output, string source, params string[] flags)
    {
        // Libraries (-l…) must follow the source on the command line.
        var path = _directory[output];
        var libraries = flags.Where(f => f.StartsWith("-l", StringComparison.Ordinal)).ToArray();
        var options = flags.Where(f => !f.StartsWith("-l", StringComparison.Ordinal)).ToArray();
        Tool.RunIn(_directory.Path, "gcc", [.. CommonFlags, .. options, "-o", path, source, "-L", _directory.Path, .. libraries]);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class NativeBinariesCollection : ICollectionFixture<NativeBinaries>
{
    public const string Name = "native binaries";
}
