namespace SystemScope.Sources.Cpu;

/// <summary>
/// The sampling program's per-CPU counters, summed. Every accepted sample is either recorded or lost,
/// so <c>Accepted == Recorded + Lost</c> once the programs are quiet.
/// </summary>
internal sealed record CpuCounters(
    long Samples,
    long Skipped,
    long Accepted,
    long Recorded,
    long LostCountsFull,
    long LostStacksFull,
    long LostOther,
    long UserStackErrors,
    long KernelStackErrors,
    long Events,
    long EventsLost)
{
    public static readonly CpuCounters Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public long Lost => LostCountsFull + LostStacksFull + LostOther;

    public static CpuCounters Read(CpuProfileObject profile) => new(
        profile.Read(CpuCounter.Samples),
        profile.Read(CpuCounter.Skipped),
        profile.Read(CpuCounter.Accepted),
        profile.Read(CpuCounter.Recorded),
        profile.Read(CpuCounter.LostCountsFull),
        profile.Read(CpuCounter.LostStacksFull),
        profile.Read(CpuCounter.LostOther),
        profile.Read(CpuCounter.UserStackErrors),
        profile.Read(CpuCounter.KernelStackErrors),
        profile.Read(CpuCounter.Events),
        profile.Read(CpuCounter.EventsLost));
}
