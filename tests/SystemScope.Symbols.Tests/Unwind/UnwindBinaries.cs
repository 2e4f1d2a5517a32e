using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// The programs the unwind tests read, compiled once: the same source without frame pointers (-O2,
/// lazy PLT), with frame pointers (-O0), with unwind info only in <c>.debug_frame</c> (plain and
/// zlib-compressed), and stripped.
/// </summary>
public sealed class UnwindBinaries : IDisposable
{
    public const string Source = """
        #include <alloca.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        __attribute__((noinline)) static int leaf_mix(int x) { return x * 7 + (x >> 3); }

        __attribute__((noinline)) static int uses_alloca(int n)
        {
            char *buffer = alloca((size_t)n + 16);
            memset(buffer, n, (size_t)n + 16);
            return buffer[n / 2] + leaf_mix(n);
        }

        __attribute__((noinline)) static long big_frame(int n)
        {
            volatile long slots[600];
            for (int i = 0; i < 600; i++) slots[i] = (long)i * n;
            return slots[n % 600] + leaf_mix(n);
        }

        __attribute__((noinline)) static int recurse(int n) { return n <= 0 ? 0 : recurse(n - 1) + uses_alloca(n); }

        __attribute__((noinline)) static double many_saved(double a, int b, int c, int d, int e, int f)
        {
            double s = 0;
            for (int i = 0; i < b; i++) s += a / (i + c) + leaf_mix(d + i) * (e ^ f);
            s += (double)big_frame(b) + recurse(c & 7);
            return s;
        }

        __attribute__((noinline)) static int early_return(int x)
        {
            if (x < 3) return leaf_mix(x);
            int sum = 0;
            for (int i = 0; i < x; i++) sum += uses_alloca(i & 15) * leaf_mix(i);
            return sum;
        }

        #define WORKER(k) \
            __attribute__((noinline)) static int worker_##k(int x) { int s = k; for (int i = 0; i < x; i++) s = s * 31 + leaf_mix(i ^ k); return s + early_return(x & 7); }
        WORKER(0) WORKER(1) WORKER(2) WORKER(3) WORKER(4) WORKER(5) WORKER(6) WORKER(7)
        WORKER(8) WORKER(9) WORKER(10) WORKER(11) WORKER(12) WORKER(13) WORKER(14) WORKER(15)

        int main(int argc, char **argv)
        {
            int n = argc > 1 ? atoi(argv[1]) : 5;
            long total = worker_0(n) + worker_1(n) + worker_2(n) + worker_3(n) + worker_4(n) + worker_5(n) + worker_6(n) + worker_7(n)
                + worker_8(n) + worker_9(n) + worker_10(n) + worker_11(n) + worker_12(n) + worker_13(n) + worker_14(n) + worker_15(n);
            printf("%ld %f\n", total, many_saved(1.5, n, 2, 3, 4, 5));
            puts(argv[0]);
            return 0;
        }
        """;

    private static readonly string[] Optimized = ["-O2", "-fomit-frame-pointer", "-fno-inline-functions", "-Wl,-z,lazy"];

    private readonly TempDirectory _directory = new();

    public UnwindBinaries()
    {
        var dir = _directory;
        dir.Write("unwind.c", Source);

        WithoutFramePointers = Gcc("o2", Optimized);
        WithFramePointers = Gcc("o0", "-O0", "-fno-omit-frame-pointer", "-Wl,-z,lazy");

        // The same code (no flag here changes code generation), its unwind info only in .debug_frame.
        BothSections = Gcc("both", [.. Optimized, "-g", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables"]);
        DebugFrameOnly = dir["debug-frame-only"];
        Tool.Run("objcopy", "--remove-section=.eh_frame", "--remove-section=.eh_frame_hdr", BothSections, DebugFrameOnly);
        CompressedDebugFrame = dir["debug-frame-zlib"];
        Tool.Run("objcopy", "--compress-debug-sections=zlib", DebugFrameOnly, CompressedDebugFrame);

        Stripped = dir["stripped"];
        Tool.Run("strip", "--strip-all", "-o", Stripped, WithoutFramePointers);
    }

    public string WithoutFramePointers { get; }

    public string WithFramePointers { get; }

    /// <summary>.eh_frame for the C runtime and the PLT, .debug_frame for the program's own functions.</summary>
    public string BothSections { get; }

    public string DebugFrameOnly { get; }

    public string CompressedDebugFrame { get; }

    public string Stripped { get; }

    public string this[string name] => _directory[name];

    public void Dispose() => _directory.Dispose();

    private string Gcc(string output, params string[] flags)
    {
        var path = _directory[output];
        Tool.RunIn(_directory.Path, "gcc", [.. flags, "-o", path, "unwind.c"]);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class UnwindBinariesCollection : ICollectionFixture<UnwindBinaries>
{
    public const string Name = "unwind binaries";
}
