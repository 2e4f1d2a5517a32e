using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// Collects <c>struct cpu_tick</c> records (samples streamed for the timeline) until their slot's
/// stacks are drained: a tick counted in the slot being drained is handed over with its stacks, one
/// counted in the active slot waits for the next window. Used on the window loop's thread only.
/// </summary>
internal sealed class TickDecoder : IRingBufferConsumer
{
    private readonly List<CpuTick> _pending = [];

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length >= Unsafe.SizeOf<CpuTick>())
        {
            _pending.Add(MemoryMarshal.Read<CpuTick>(record));
        }
    }

    /// <summary>The ticks of <paramref name="slot"/> (every tick when null), with their stacks; the others stay.</summary>
    public Event<CpuSampleTick>[] Take(int? slot, Func<ulong, ReadOnlyMemory<ulong>> stack)
    {
        var taken = new List<Event<CpuSampleTick>>();
        var kept = 0;
        for (var i = 0; i < _pending.Count; i++)
        {
            var tick = _pending[i];
            if (slot is { } s && tick.Slot != s)
            {
                _pending[kept++] = tick;
                continue;
            }

            var header = new EventHeader(CpuSampleTick.Kind, (long)tick.TimestampNs, (int)tick.Tgid, (int)tick.Tid) { Cpu = (int)tick.Cpu };
            taken.Add(new Event<CpuSampleTick>(header, new CpuSampleTick(stack(tick.UserStack), stack(tick.KernelStack))));
        }

        _pending.RemoveRange(kept, _pending.Count - kept);
        return [.. taken];
    }
}
