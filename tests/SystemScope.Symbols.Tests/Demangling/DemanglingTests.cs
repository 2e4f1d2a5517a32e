using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Demangling;

/// <summary>Every function name of real compiler output, demangled, against binutils' nm --demangle.</summary>
[Collection(ManglingBinariesCollection.Name)]
public sealed class DemanglingTests(ManglingBinaries binaries, ITestOutputHelper output)
{
    [Fact]
    public void Every_cxx_function_name_of_a_gxx_binary_demangles_as_nm_does()
    {
        Assert.Null(CxxDemangler.UnavailableReason);
        var pairs = NmDemangled.Pairs(binaries.Cxx, dynamic: false);
        var mangled = pairs.Where(p => p.Mangled.StartsWith("_Z", StringComparison.Ordinal)).ToList();

        // The program has what the test is about: templates, operators, lambdas, std::string, clones.
        Assert.Contains(mangled, p => p.Demangled.Contains("operator+", StringComparison.Ordinal));
        Assert.Contains(mangled, p => p.Demangled.Contains("{lambda(int)#1}", StringComparison.Ordinal));
        Assert.Contains(mangled, p => p.Demangled.Contains("std::__cxx11::basic_string", StringComparison.Ordinal));
        Assert.Contains(mangled, p => p.Demangled.Contains("[clone .", StringComparison.Ordinal));
        Assert.Contains(mangled, p => p.Demangled.StartsWith("geo::Circle::", StringComparison.Ordinal));

        AssertAllMatch(pairs);
        output.WriteLine($"{pairs.Count} function names, {mangled.Count} mangled");
    }

    [Fact]
    public void Every_function_name_of_a_rust_binary_with_legacy_mangling_demangles_as_nm_does()
    {
        var pairs = NmDemangled.Pairs(binaries.RustLegacy, dynamic: false);
        var legacy = pairs.Where(p => p.Mangled.StartsWith("_ZN", StringComparison.Ordinal)).ToList();

        Assert.Contains(legacy, p => p.Demangled == "m::shapes::gr$uf6$$udf$e::ma$udf$" || p.Demangled.StartsWith("m::shapes::", StringComparison.Ordinal));
        Assert.Contains(legacy, p => p.Demangled == "<m::shapes::Circle<f64> as m::shapes::Shape>::area");
        Assert.All(legacy, p => Assert.DoesNotMatch(@"::h[0-9a-f]{16}$", p.Demangled));

        AssertAllMatch(pairs);
        output.WriteLine($"{pairs.Count} function names, {legacy.Count} with legacy mangling");
    }

    [Fact]
    public void Every_function_name_of_a_rust_binary_with_v0_mangling_demangles_as_nm_does()
    {
        var pairs = NmDemangled.Pairs(binaries.RustV0, dynamic: false);
        var v0 = pairs.Where(p => p.Mangled.StartsWith("_R", StringComparison.Ordinal)).ToList();

        // Const generics, higher-ranked fn pointers, trait impls, closures, Punycode identifiers.
        Assert.Contains(v0, p => p.Demangled == "m::flag::<true, 'x', -7>");
        Assert.Contains(v0, p => p.Demangled == "m::generic::<for<'a> fn(&'a str) -> bool, 3>");
        Assert.Contains(v0, p => p.Demangled == "<m::shapes::Circle<f64> as m::shapes::Shape>::area");
        Assert.Contains(v0, p => p.Demangled == "m::shapes::größe::maß");
        Assert.Contains(v0, p => p.Demangled.Contains("{closure#0}", StringComparison.Ordinal));

        AssertAllMatch(pairs);
        output.WriteLine($"{pairs.Count} function names, {v0.Count} with v0 mangling");
    }

    [Fact]
    public void Every_exported_name_of_the_rust_toolchains_own_compiler_library_demangles_as_nm_does()
    {
        var library = Directory.GetFiles(Path.Combine(binaries.RustSysroot, "lib"), "librustc_driver-*.so").Single();
        var pairs = NmDemangled.Pairs(library, dynamic: true);
        var v0 = pairs.Count(p => p.Mangled.StartsWith("_R", StringComparison.Ordinal));
        Assert.True(v0 > 1000, $"{library}: only {v0} v0 names");

        AssertAllMatch(pairs);
        output.WriteLine($"{Path.GetFileName(library)}: {pairs.Count} exported functions, {v0} with v0 mangling");
    }

    private static void AssertAllMatch(List<(string Mangled, string Demangled)> pairs)
    {
        var mismatches = NmDemangled.Mismatches(pairs, Demangler.Demangle);
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {pairs.Count} names differ from nm --demangle:\n{string.Join('\n', mismatches.Take(10))}");
    }
}
