using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// An attachment of a program (libbpf <c>bpf_link</c>). Disposing detaches it; for perf events that also
/// closes the fd the link was made with (libbpf does), which is why attaching hands it a duplicate.
/// </summary>
public sealed class BpfLink : SafeHandle
{
    internal BpfLink(nint link, string programName)
        : base(0, ownsHandle: true)
    {
        SetHandle(link);
        ProgramName = programName;
    }

    public string ProgramName { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => Libbpf.LinkDestroy(handle) == 0;
}
