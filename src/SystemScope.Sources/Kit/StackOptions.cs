using SystemScope.Core.Options;
using SystemScope.Sources.Unwind;

namespace SystemScope.Sources.Kit;

/// <summary>How a source that captures stacks walks user stacks (kit/stacks.h, kit/unwind.h): the same options on every such source.</summary>
public static class StackOptions
{
    public static readonly BooleanOption UnwindTables = new(
        "unwindTables",
        "Walk user stacks with unwind tables built from .eh_frame/.debug_frame, so callers in code without frame pointers are kept (false: frame pointers only)",
        true);

    public static readonly IntegerOption StackDepth = new(
        "stackDepth", "User frames kept per stack; deeper stacks are cut at the leaf end and counted (stack.user_truncated)", 1, StackRecord.MaxDepth, StackRecord.MaxDepth, "frames");

    /// <summary>The options, for a source's descriptor.</summary>
    public static IReadOnlyList<SourceOption> All { get; } = [UnwindTables, StackDepth];

    /// <summary>Sets the object's stack settings from the session's options for the source, the depth at most <paramref name="maxDepth"/>.</summary>
    internal static void Apply(KitObjectSetup setup, OptionValues options, uint maxDepth = StackRecord.MaxDepth)
    {
        setup.Set(KitSchema.MaxStackDepth, Math.Min((uint)options.Get(StackDepth), maxDepth));
        setup.Set(UnwindSchema.Mode, options.Get(UnwindTables) ? 1u : 0u);
    }

    /// <summary>The mechanism line a source shows for its stacks.</summary>
    internal static string Mechanism(OptionValues options, SharedKernelMaps shared) =>
        !options.Get(UnwindTables) ? "unwind: frame pointers (unwind tables off)"
        : shared.UnwindProblem is { } problem ? $"unwind: frame pointers ({problem})"
        : "unwind: .eh_frame tables in BPF, frame pointers where a file has none";
}
