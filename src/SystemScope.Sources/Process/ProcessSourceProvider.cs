using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Process;

/// <summary>The process lifecycle source, part of every session: descriptor, probe, and a <see cref="ProcessSource"/> per session.</summary>
public sealed class ProcessSourceProvider : ISourceProvider
{
    internal static readonly SourceDescriptor SourceDescriptor = new(
        "process",
        "Process lifecycle",
        Layer.Process,
        "Processes seen by the session's sources, and the forks, execs, exits, renames and thread starts and exits of the processes the filter admits.")
    {
        Implicit = true,
    };

    private readonly ProcessSourceOptions _options;

    public ProcessSourceProvider()
        : this(ProcessSourceOptions.Default)
    {
    }

    internal ProcessSourceProvider(ProcessSourceOptions options) => _options = options;

    public SourceDescriptor Descriptor => SourceDescriptor;

    /// <summary>Loads the object (with maps of its own) and closes it again, reporting the mechanism that loaded.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(ProcessSchema.Object, shared: null, only: _options.ForceRawTracepoints ? ProcessSchema.RawTracepoint : null);
            return SourceAvailability.Yes(obj.Sections);
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source process: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source process: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source process: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ProcessSource(context, _options);
    }
}
