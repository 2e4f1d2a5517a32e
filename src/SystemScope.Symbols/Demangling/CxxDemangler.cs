using System.Runtime.InteropServices;
using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// C++ (Itanium ABI) names through <c>__cxa_demangle</c> of the C++ runtime, <c>libstdc++.so.6</c>:
/// the same demangler binutils uses, kept up to date with the compilers. It is loaded at run time
/// (the .NET runtime's own dependencies put it on the machines that run us); where it is missing,
/// C++ names stay mangled and <see cref="UnavailableReason"/> says why.
/// </summary>
internal static unsafe class CxxDemangler
{
    private const string Library = "libstdc++.so.6";

    // Longer names are not C++ a compiler wrote; they are not worth a native call.
    private const int MaxMangledLength = 64 * 1024;

    private static readonly Lazy<Native> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why C++ names are not demangled, or null when they are.</summary>
    public static string? UnavailableReason => Loaded.Value.Error;

    /// <summary>
    /// Only Itanium-mangled names (<c>_Z…</c>) and global constructor/destructor names go to the
    /// demangler, as binutils does: asked about anything else it would read a C function named
    /// <c>f</c> as the type <c>float</c>.
    /// </summary>
    public static bool IsMangled(string name) =>
        name.StartsWith("_Z", StringComparison.Ordinal)
        || (name.Length > 11 && name.StartsWith("_GLOBAL_", StringComparison.Ordinal)
            && name[8] is '.' or '_' or '$' && name[9] is 'D' or 'I' && name[10] == '_');

    public static bool TryDemangle(string mangled, out string demangled)
    {
        demangled = mangled;
        var native = Loaded.Value;
        if (native.Demangle is null || mangled.Length > MaxMangledLength || mangled.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var length = Encoding.UTF8.GetByteCount(mangled);
        var bytes = length < 1024 ? stackalloc byte[length + 1] : new byte[length + 1];
        Encoding.UTF8.GetBytes(mangled, bytes);
        bytes[length] = 0;

        int status;
        byte* result;
        fixed (byte* input = bytes)
        {
            // No output buffer: the demangler mallocs one, which is ours to free.
            result = native.Demangle(input, null, null, &status);
        }

        if (result is null)
        {
            return false;
        }

        try
        {
            if (status != 0)
            {
                return false;
            }

            demangled = Marshal.PtrToStringUTF8((nint)result) ?? mangled;
            return true;
        }
        finally
        {
            NativeMemory.Free(result);
        }
    }

    private static Native Load()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return new Native(null, $"{Library} could not be loaded: C++ names stay mangled");
        }

        if (!NativeLibrary.TryGetExport(handle, "__cxa_demangle", out var export))
        {
            return new Native(null, $"{Library} has no __cxa_demangle: C++ names stay mangled");
        }

        // The library stays loaded for the life of the process, as the demangler it lends us.
        return new Native((delegate* unmanaged<byte*, byte*, nuint*, int*, byte*>)export, null);
    }

    private sealed class Native(delegate* unmanaged<byte*, byte*, nuint*, int*, byte*> demangle, string? error)
    {
        public delegate* unmanaged<byte*, byte*, nuint*, int*, byte*> Demangle { get; } = demangle;

        public string? Error { get; } = error;
    }
}
