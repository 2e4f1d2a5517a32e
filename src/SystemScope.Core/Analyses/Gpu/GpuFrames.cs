using System.Globalization;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// The frames put on top of a host stack for the device work it asked for: the kernel a launch ran,
/// the direction of a copy, the call a thread waited in. One instance per name (the call tree merges
/// by frame), all of kind <see cref="FrameKind.Gpu"/> so the UI colours them apart from host code.
/// </summary>
public sealed class GpuFrames(IStackSymbolizer symbolizer)
{
    /// <summary>Distinct names kept before new ones share one frame (kernel names come from the target's binaries).</summary>
    public const int MaxNames = 4096;

    private readonly Dictionary<string, Symbol> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Pid, ulong Address), string> _stubNames = [];
    private readonly Symbol[] _one = new Symbol[1];

    /// <summary>
    /// The kernel of a launch: its name when the source resolved it, else the host stub's symbol (the
    /// runtime API names a kernel by the address of its stub), else <c>kernel@0x…</c>; a submission of a
    /// graph or command list with neither is named after its call.
    /// </summary>
    public Symbol Kernel(int pid, in GpuApiCall call)
    {
        if (call.KernelName.Length > 0)
        {
            return Frame(call.KernelName);
        }

        if (call.KernelAddress != 0)
        {
            return Frame(StubName(pid, call.KernelAddress));
        }

        return Frame(call.Class == GpuCallClass.Submit ? $"[{call.Function}]" : "[kernel unknown]");
    }

    /// <summary>The copy's direction as a frame: <c>[copy host→device]</c>.</summary>
    public Symbol Copy(GpuCallClass copy) => Frame(copy switch
    {
        GpuCallClass.CopyHostToDevice => "[copy host→device]",
        GpuCallClass.CopyDeviceToHost => "[copy device→host]",
        GpuCallClass.CopyDeviceToDevice => "[copy device→device]",
        _ => "[copy]",
    });

    /// <summary>The call a thread waited in: <c>[wait cuStreamSynchronize]</c>.</summary>
    public Symbol Wait(in GpuApiCall call) => Frame($"[wait {call.Function}]");

    public void Reset()
    {
        _byName.Clear();
        _stubNames.Clear();
    }

    private string StubName(int pid, ulong address)
    {
        if (_stubNames.TryGetValue((pid, address), out var name))
        {
            return name;
        }

        // A stub is a function's entry, so it resolves as a leaf; an address no symbol covers has no name worth showing.
        name = symbolizer.ResolveUser(pid, [address], _one) > 0 && _one[0].Kind is FrameKind.Native or FrameKind.Jit
            ? _one[0].Name
            : "kernel@0x" + address.ToString("x", CultureInfo.InvariantCulture);
        if (_stubNames.Count < MaxNames)
        {
            _stubNames[(pid, address)] = name;
        }

        return name;
    }

    private Symbol Frame(string name)
    {
        if (_byName.TryGetValue(name, out var frame))
        {
            return frame;
        }

        frame = Symbol.ForGpu(name);
        if (_byName.Count < MaxNames)
        {
            _byName[name] = frame;
        }

        return frame;
    }
}
