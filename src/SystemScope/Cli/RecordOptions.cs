using System.CommandLine;
using System.Globalization;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;

namespace SystemScope.Cli;

/// <summary>
/// The options of <c>record</c> that are not a source's. Values are read as text and checked here,
/// so a bad value gets a message in the user's terms (never a .NET type name).
/// </summary>
internal sealed class RecordOptions
{
    public Option<string[]> Pid { get; } = new("--pid", "-p")
    {
        Description = "Observe this process (all its threads); repeat or comma-separate for several. Default: every process, with the process name as the root frame",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string> Comm { get; } = new("--comm") { Description = "Observe processes whose name starts with this (up to 15 bytes)" };

    public Option<string> Cgroup { get; } = new("--cgroup") { Description = "Observe the processes of this cgroup v2 and its descendants (a path below the cgroup root, e.g. /system.slice)" };

    public Option<string> Duration { get; } = new("--duration", "-d") { Description = "Seconds to record (fractions allowed); default: until Ctrl+C or until the observed processes exit" };

    public Option<string> Format { get; } = new("--format", "-f") { Description = "Output format: folded (flame graphs), json (any model), table (tables and histograms); default: the first format of the models recorded" };

    public Option<string> Output { get; } = new("--output", "-o") { Description = "Write to this file instead of standard output (checked before recording starts)" };

    public Option<string> Model { get; } = new("--model", "-m") { Description = "Print only this model (e.g. offcpu.flamegraph); needed when a format prints one model and several were recorded" };

    public Option<string> Window { get; } = new("--window") { Description = "Seconds per collection window (0.1-60, default 1)" };

    public Option<bool> IncludeAgent { get; } = new("--include-agent") { Description = "Also observe SystemScope itself (left out by default)" };

    public Option<bool> Inline { get; } = new("--inline") { Description = InlineDescription };

    public IEnumerable<Option> All => [Pid, Comm, Cgroup, Duration, Format, Output, Model, Window, IncludeAgent, Inline];

    /// <summary>Shared with <c>serve --inline</c>.</summary>
    public const string InlineDescription = "Show functions the compiler inlined as frames of their own (read from DWARF debug info: the binary's or its separate debug file; off by default, it costs time and memory per binary)";

    public RecordOptions()
    {
        foreach (var option in new Option[] { Pid, Comm, Cgroup, Duration, Format, Output, Model, Window })
        {
            NeedsAValue(option);
        }
    }

    /// <summary>
    /// "--pid --duration 1" would take "--duration" as the pid: say that the value is missing rather
    /// than complain about the "1" left over.
    /// </summary>
    public static void NeedsAValue(Option option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith("--", StringComparison.Ordinal))
                {
                    result.AddError($"{option.Name} needs a value, but the next word is the option {token.Value}");
                }
            }
        });
    }

    public RecordArguments Read(ParseResult result) => new(
        result.GetValue(Pid) ?? [],
        result.GetValue(Comm),
        result.GetValue(Cgroup),
        result.GetValue(Duration),
        result.GetValue(Format),
        result.GetValue(Output),
        result.GetValue(Model),
        result.GetValue(Window),
        result.GetValue(IncludeAgent),
        result.GetValue(Inline));
}

/// <summary>The generic options as given, and their checked values.</summary>
internal sealed record RecordArguments(
    IReadOnlyList<string> PidTexts,
    string? Comm,
    string? Cgroup,
    string? DurationText,
    string? Format,
    string? Output,
    string? Model,
    string? WindowText,
    bool IncludeAgent,
    bool InlineFrames = false)
{
    public ProcessFilter Filter()
    {
        var pids = new List<int>();
        foreach (var text in PidTexts.SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            pids.Add(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                ? pid
                : throw new InvalidRequestException($"--pid {text} is not a process id: give a positive number, or leave --pid out to observe every process"));
        }

        var filter = new ProcessFilter { Pids = pids, Comm = Comm, Cgroup = Cgroup };
        filter.Validate();
        return filter;
    }

    public TimeSpan? Length(TimeSpan max)
    {
        if (DurationText is null)
        {
            return null;
        }

        return double.TryParse(DurationText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds > 0 && seconds <= max.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidRequestException($"--duration {DurationText} is not valid: give seconds above 0 and at most {max.TotalSeconds:0} (fractions allowed), or leave it out to record until Ctrl+C");
    }

    public TimeSpan? Window()
    {
        if (WindowText is null)
        {
            return null;
        }

        return double.TryParse(WindowText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) &&
               seconds >= SessionSpec.MinWindow.TotalSeconds && seconds <= SessionSpec.MaxWindow.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new InvalidRequestException($"--window {WindowText} is not valid: give seconds from {SessionSpec.MinWindow.TotalSeconds} to {SessionSpec.MaxWindow.TotalSeconds}");
    }
}
