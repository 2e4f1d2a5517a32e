namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// The C++ program compiled with g++ -O2 (clones such as <c>.cold</c> and <c>.isra</c> included) and
/// the Rust program compiled with rustc -O under both manglings, once per test run.
/// </summary>
public sealed class ManglingBinaries : IDisposable
{
    public const string Rustc = "/root/.cargo/bin/rustc";

    private readonly TempDirectory _directory = new();

    public ManglingBinaries()
    {
        var cxxSource = _directory.Write("program.cpp", ManglingSources.Cxx);
        var rustSource = _directory.Write("program.rs", ManglingSources.Rust);

        Cxx = _directory["cxx"];
        Tool.Run("g++", "-O2", "-fno-omit-frame-pointer", "-o", Cxx, cxxSource);

        RustV0 = _directory["rust-v0"];
        Tool.Run(Rustc, "-O", "--crate-name", "m", "-C", "symbol-mangling-version=v0", "-o", RustV0, rustSource);

        // Legacy mangling is behind -Z once v0 is the default; the standard library stays v0 either way.
        RustLegacy = _directory["rust-legacy"];
        Tool.RunWith([("RUSTC_BOOTSTRAP", "1")], Rustc, "-O", "--crate-name", "m", "-Z", "unstable-options", "-C", "symbol-mangling-version=legacy", "-o", RustLegacy, rustSource);

        RustSysroot = Tool.Run(Rustc, "--print", "sysroot").Trim();
    }

    public string Directory => _directory.Path;

    public string Cxx { get; }

    public string RustV0 { get; }

    public string RustLegacy { get; }

    /// <summary>The toolchain's own libraries (<c>lib/librustc_driver-*.so</c>): thousands of real v0 names.</summary>
    public string RustSysroot { get; }

    public void Dispose() => _directory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class ManglingBinariesCollection : ICollectionFixture<ManglingBinaries>
{
    public const string Name = "mangling binaries";
}
