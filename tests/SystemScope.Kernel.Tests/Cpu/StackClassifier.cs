using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Cpu;

/// <summary>
/// Attributes a sample of cpu_split to spend_75, spend_25 or neither, from raw addresses: the
/// innermost user frame inside the workload's own text decides (a leaf in libc, e.g. reading the
/// clock, is skipped to its caller in the workload).
/// </summary>
internal sealed class StackClassifier
{
    private readonly (ulong Start, ulong End) _text;
    private readonly (ulong Start, ulong End) _spend75;
    private readonly (ulong Start, ulong End) _spend25;

    public StackClassifier(WorkloadProcess workload)
    {
        var symbols = ElfSymbols.Read(workload.BinaryPath);
        _text = workload.TextRange();
        var at75 = workload.Address("spend_75");
        var at25 = workload.Address("spend_25");
        _spend75 = (at75, at75 + symbols["spend_75"].Size);
        _spend25 = (at25, at25 + symbols["spend_25"].Size);
        Assert.InRange(at75, _text.Start, _text.End);
        Assert.InRange(at25, _text.Start, _text.End);
    }

    public enum Function
    {
        Other,
        Spend75,
        Spend25,
    }

    public Function Classify(in CpuStackSample sample)
    {
        foreach (var ip in sample.UserStack.Span)
        {
            if (ip < _text.Start || ip >= _text.End)
            {
                continue;
            }

            if (ip >= _spend75.Start && ip < _spend75.End)
            {
                return Function.Spend75;
            }

            return ip >= _spend25.Start && ip < _spend25.End ? Function.Spend25 : Function.Other;
        }

        return Function.Other;
    }

    public (long Spend75, long Spend25, long Other) Tally(IEnumerable<(long Seq, Event<CpuStackSample> Event)> samples)
    {
        long spend75 = 0, spend25 = 0, other = 0;
        foreach (var (_, e) in samples)
        {
            switch (Classify(e.Payload))
            {
                case Function.Spend75:
                    spend75 += e.Payload.Count;
                    break;
                case Function.Spend25:
                    spend25 += e.Payload.Count;
                    break;
                default:
                    other += e.Payload.Count;
                    break;
            }
        }

        return (spend75, spend25, other);
    }
}
