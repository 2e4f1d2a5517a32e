using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// Owns a libbpf <c>bpf_object</c> and the native memory libbpf borrows from us: the ELF image (libbpf
/// parses it in place until load finishes) and the verifier log buffer. Closing the object closes
/// every map and program fd it holds.
/// </summary>
internal sealed unsafe class BpfObjectHandle : SafeHandle
{
    // Big enough for the verifier's explanation of a rejected program; the kernel keeps the tail
    // (where the error is) when the log is longer.
    internal const int LogBufferSize = 1 << 20;

    private byte* _elf;
    private byte* _name;
    private byte* _log;

    private BpfObjectHandle()
        : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    internal byte* LogBuffer => _log;

    internal static BpfObjectHandle Open(string name, ReadOnlySpan<byte> elf)
    {
        var result = new BpfObjectHandle();
        try
        {
            result._elf = (byte*)NativeMemory.Alloc((nuint)elf.Length);
            elf.CopyTo(new Span<byte>(result._elf, elf.Length));
            result._name = AllocCString(name);
            result._log = (byte*)NativeMemory.AllocZeroed(LogBufferSize);

            var opts = new BpfObjectOpenOpts
            {
                Size = (nuint)sizeof(BpfObjectOpenOpts),
                ObjectName = result._name,
                KernelLogBuf = result._log,
                KernelLogSize = LogBufferSize,
            };

            // Level 0: no log on success; on failure libbpf retries at level 1 into our buffer.
            var obj = Libbpf.ObjectOpenMem(result._elf, (nuint)elf.Length, &opts);
            if (obj == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new BpfException($"object {name}: open: {Errno.Describe(errno)}", errno);
            }

            result.SetHandle(obj);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    internal static byte* AllocCString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(buffer, length));
        buffer[length] = 0;
        return buffer;
    }

    protected override bool ReleaseHandle()
    {
        if (handle != 0)
        {
            Libbpf.ObjectClose(handle);
        }

        FreeBuffers();
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (IsInvalid)
        {
            // Never opened: ReleaseHandle does not run, the buffers are ours to free.
            FreeBuffers();
        }
    }

    private void FreeBuffers()
    {
        NativeMemory.Free(_elf);
        NativeMemory.Free(_name);
        NativeMemory.Free(_log);
        _elf = null;
        _name = null;
        _log = null;
    }
}
