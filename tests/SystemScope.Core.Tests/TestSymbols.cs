using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests;

internal static class TestSymbols
{
    public static Symbol Native(string name) => new(name, "app", FrameKind.Native);

    public static Symbol Kernel(string name) => new(name, "kernel", FrameKind.Kernel);

    public static Symbol[] Stack(params string[] rootFirst) => [.. rootFirst.Select(Native)];
}
