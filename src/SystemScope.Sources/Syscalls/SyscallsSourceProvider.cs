using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Syscalls;

/// <summary>The syscalls source: count, errors and latency per process and syscall, and slow calls on the timeline.</summary>
public sealed class SyscallsSourceProvider : ISourceProvider
{
    public static readonly BooleanOption PerThread = new(
        "perThread", "Keep the figures per thread instead of per process", false);

    public static readonly NamesOption Syscalls = new(
        "syscalls", "Measure only these syscalls, by the kernel's names (the others cost one comparison each)", "read,write,fsync");

    public static readonly IntegerOption SlowUs = new(
        "slowUs", "Calls at least this long go to the thread timeline one by one, with their user stack and first argument (0: none)", 0, 3_600_000_000, 10_000, "µs");

    public static readonly IntegerOption SlowCap = new(
        "slowCap", "At most this many slow calls per second per CPU go to the timeline (the rest are counted)", 0, 1_000_000, 200, "per s per CPU");

    public static readonly BooleanOption SlowStacks = new(
        "slowStacks", "Walk the user stack of each slow call sent to the timeline", true);

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "syscalls",
        "Syscalls",
        Layer.Syscall,
        "Calls, errors by errno and latency distribution per process (or thread) and syscall, aggregated in the kernel from sys_enter and sys_exit; calls slower than a threshold on the thread timeline with their stack and what they were called on. Names come from the running kernel's own syscall table.")
    {
        Options = [PerThread, Syscalls, SlowUs, SlowCap, SlowStacks],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public void Validate(OptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var table = SyscallTable.Current;
        foreach (var name in options.Get(Syscalls))
        {
            if (table.NumberOf(name) is null)
            {
                var hint = Suggest.Closest(name, table.Names) is { } close ? $" (did you mean {close}?)" : string.Empty;
                throw new InvalidRequestException(table.Problem is { } problem
                    ? $"source syscalls option syscalls: '{name}' is not a syscall name this agent can resolve: {problem}; give syscall_N with the number instead"
                    : $"source syscalls option syscalls: there is no syscall '{name}'{hint}; there are {table.Count}, such as read, write, openat, futex");
            }
        }
    }

    /// <summary>Loads the object with maps of its own (then closes it), reporting which attach mechanism loaded.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(SyscallsSchema.Object, shared: null);
            var table = SyscallTable.Current;
            return SourceAvailability.Yes(
                obj.Variant?.Mechanism ?? "tracepoints",
                table.Problem is null ? $"names: kernel ABI table ({table.Count})" : "names: numbers only (" + table.Problem + ")");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source syscalls: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source syscalls: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source syscalls: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new SyscallsSource(context);
}
