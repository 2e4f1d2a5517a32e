using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>A journal owner is a pid plus its start time (field 22 of /proc/PID/stat), so a reused pid is not mistaken for the owner.</summary>
public sealed class ProcessOwner(string procRoot = "/proc") : IOwnerIdentity
{
    public JournalOwner Self { get; } = new(Environment.ProcessId, StartTicks(procRoot, Environment.ProcessId) ?? 0);

    public bool IsAlive(JournalOwner owner) => StartTicks(procRoot, owner.Pid) == owner.StartTicks;

    private static long? StartTicks(string procRoot, int pid)
    {
        try
        {
            return long.Parse(ProcessControl.StatFields(procRoot, pid)[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
