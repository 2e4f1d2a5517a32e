using System.CommandLine;
using SystemScope.Cli;

var root = new RootCommand(
    "SystemScope: a real-time profiler and system observatory for Linux.\n" +
    "Run 'systemscope serve' and open the printed address to profile the live system in a browser,\n" +
    "or 'systemscope record SOURCE' (cpu, offcpu, sched …) to record from the command line.\n" +
    "Needs root (or CAP_BPF and CAP_PERFMON).")
{
    ServeCommand.Create(),
    RecordCommand.Create(),
    CapabilitiesCommand.Create(),
    AdviseCommand.Create(),
    TuneCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
{
    // An option's own complaint ("--pid needs a value") explains the leftovers the parser then trips on.
    foreach (var error in parsed.Errors.OrderBy(e => e.SymbolResult is System.CommandLine.Parsing.OptionResult ? 0 : 1))
    {
        Console.Error.WriteLine($"systemscope: {error.Message}");
    }

    Console.Error.WriteLine("Run 'systemscope --help' (or 'systemscope COMMAND --help') for usage.");
    return ExitCodes.InvalidUsage;
}

// Ctrl+C cancels the command's token; a recording then stops, drains and writes what it has, which
// may take a few seconds for a large profile: give it that long before the process is ended.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
