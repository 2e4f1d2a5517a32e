using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Dwarf;

/// <summary>
/// A program whose hot function has static inline helpers inlined into it, nested three deep, compiled
/// with gcc -O2 as DWARF 5, DWARF 4, DWARF 5 with compressed sections, and without debug info.
/// </summary>
public sealed class InlineBinaries : IDisposable
{
    public const string Source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        static inline __attribute__((always_inline)) unsigned mix(unsigned x)
        {
            x ^= x >> 7;
            return x * 2654435761u;
        }

        static inline __attribute__((always_inline)) unsigned step(unsigned x, unsigned i)
        {
            unsigned y = mix(x + i);
            if (y & 1)
                y = mix(y ^ 0x5bd1e995u);
            return y + i;
        }

        static inline __attribute__((always_inline)) unsigned fold(const unsigned *v, int n)
        {
            unsigned acc = 0;
            for (int i = 0; i < n; i++)
                acc = step(acc ^ v[i], (unsigned)i);
            return acc;
        }

        __attribute__((noinline)) unsigned inline_hot(const unsigned *v, int n, int rounds)
        {
            unsigned r = 0;
            for (int k = 0; k < rounds; k++)
                r += fold(v, n) + step(r, (unsigned)k);
            return r;
        }

        int main(int argc, char **argv)
        {
            unsigned v[64];
            for (int i = 0; i < 64; i++)
                v[i] = (unsigned)(i * 7 + argc);
            volatile unsigned sink = 0;
            int forever = argc > 1 && strcmp(argv[1], "spin") == 0;
            printf("inline_hot %p\nready\n", (void *)inline_hot);
            fflush(stdout);
            do
                sink += inline_hot(v, 64, 1000);
            while (forever);
            return (int)(sink & 1);
        }
        """;

    private readonly TempDirectory _directory = new();

    public InlineBinaries()
    {
        _directory.Write("inline.c", Source);
        Dwarf5 = Gcc("inline-dwarf5", "-gdwarf-5");
        Dwarf4 = Gcc("inline-dwarf4", "-gdwarf-4");
        Compressed = Gcc("inline-compressed", "-gdwarf-5", "-gz=zlib");
        NoDebugInfo = Gcc("inline-nodebug", "-g0");

        // Stripped, its debug info only in DebugRoot/.build-id/xx/rest.debug.
        Separated = Gcc("inline-separated", "-gdwarf-5", "-Wl,--build-id=sha1");
        var buildId = Tool.Run("readelf", "-n", Separated).Split('\n')
            .First(l => l.Contains("Build ID:", StringComparison.Ordinal)).Split(':')[1].Trim();
        DebugRoot = _directory["debug-root"];
        var debugFile = Path.Combine(DebugRoot, ".build-id", buildId[..2], buildId[2..] + ".debug");
        Directory.CreateDirectory(Path.GetDirectoryName(debugFile)!);
        Tool.Run("objcopy", "--only-keep-debug", Separated, debugFile);
        Tool.Run("strip", "--strip-all", Separated);
        UnstrippedCopy = Gcc("inline-separated-unstripped", "-gdwarf-5", "-Wl,--build-id=sha1");
    }

    /// <summary>Stripped; its .debug_info is in a separate file under <see cref="DebugRoot"/>.</summary>
    public string Separated { get; }

    /// <summary>The same build as <see cref="Separated"/> before stripping: the reference for addr2line and nm.</summary>
    public string UnstrippedCopy { get; }

    public string DebugRoot { get; }

    public string Dwarf5 { get; }

    public string Dwarf4 { get; }

    public string Compressed { get; }

    public string NoDebugInfo { get; }

    public void Dispose() => _directory.Dispose();

    private string Gcc(string output, params string[] flags)
    {
        var path = _directory[output];
        Tool.RunIn(_directory.Path, "gcc", ["-O2", "-fno-omit-frame-pointer", .. flags, "-o", path, "inline.c"]);
        return path;
    }
}
