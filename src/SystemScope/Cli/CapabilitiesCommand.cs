using System.CommandLine;
using SystemScope.Composition;

namespace SystemScope.Cli;

/// <summary><c>systemscope capabilities</c>: what this kernel allows and which sources can run, and why not.</summary>
internal static class CapabilitiesCommand
{
    public static Command Create()
    {
        var command = new Command("capabilities", "Probe the kernel and every source: which can run here, with which mechanism, and why not (including BPF verifier logs).");
        command.SetAction(_ => Run());
        return command;
    }

    private static int Run()
    {
        using var agent = Agent.Create();
        var kernel = agent.Kernel.Kernel();
        Console.WriteLine($"kernel {kernel.Release}, {kernel.Cpus} CPUs, BTF {YesNo(kernel.Btf)}, tracefs {YesNo(kernel.Tracefs)}, bpffs {YesNo(kernel.Bpffs)}");
        Console.WriteLine();
        Console.WriteLine("features:");
        foreach (var feature in agent.Kernel.Features())
        {
            Console.WriteLine($"  {(feature.Available ? "yes" : "no "),-4}{feature.Id,-24}{feature.Detail}");
        }

        Console.WriteLine();
        Console.WriteLine("sources:");
        var unavailable = 0;
        foreach (var source in agent.Sessions.SourceDescriptors)
        {
            var probe = agent.Sessions.Probe(source.Id);
            Console.WriteLine(probe.Available
                ? $"  yes {source.Id,-10}{source.Title} — {string.Join(", ", probe.Mechanisms)}"
                : $"  no  {source.Id,-10}{source.Title} — {probe.Reason}");
            if (!probe.Available)
            {
                unavailable++;
                if (probe.Detail is { Length: > 0 } detail)
                {
                    Console.WriteLine(string.Join('\n', detail.TrimEnd().Split('\n').Select(line => "      " + line)));
                }
            }
        }

        return unavailable == 0 ? ExitCodes.Success : ExitCodes.Unavailable;
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
