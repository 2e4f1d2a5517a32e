namespace SystemScope.Core.Symbols;

/// <summary>What a frame is. The UI colours frames by kind; folded output marks kernel frames.</summary>
public enum FrameKind : byte
{
    /// <summary>The root of a call tree ("all samples").</summary>
    Root,

    /// <summary>A synthetic frame naming the process the stacks below it belong to.</summary>
    Process,

    /// <summary>Kernel code (kallsyms).</summary>
    Kernel,

    /// <summary>Native user code resolved through an ELF symbol table.</summary>
    Native,

    /// <summary>Just-in-time compiled code resolved through a perf map (.NET, Java, Node …).</summary>
    Jit,

    /// <summary>An address that could not be resolved; named <c>module+0xoffset</c>.</summary>
    Unknown,

    /// <summary>
    /// A synthetic leaf naming where the time went when it was not spent running code: a thread
    /// state (<c>[blocked S]</c>, <c>[blocked D]</c>, <c>[runnable]</c>) in off-CPU and wall-clock graphs.
    /// </summary>
    State,

    /// <summary>
    /// Work on an accelerator, put on top of the host stack that asked for it: a kernel (merged CPU + GPU
    /// flame graphs), a copy's direction, the call a host thread waited in.
    /// </summary>
    Gpu,
}

/// <summary>
/// A resolved frame. Symbolisers hand out one shared instance per distinct frame so that callers
/// can cache by reference; instances are immutable.
/// </summary>
public sealed record Symbol(string Name, string? Module, FrameKind Kind)
{
    /// <summary>
    /// The name as the binary spells it when <see cref="Name"/> is a readable form of it (a demangled
    /// C++ or Rust name); null when they are the same. Kept so that a search for the mangled name finds the frame.
    /// </summary>
    public string? RawName { get; init; }

    public static Symbol ForProcess(string processName) => new(processName, null, FrameKind.Process);

    public static Symbol ForState(string state) => new(state, null, FrameKind.State);

    public static Symbol ForGpu(string name) => new(name, null, FrameKind.Gpu);
}
