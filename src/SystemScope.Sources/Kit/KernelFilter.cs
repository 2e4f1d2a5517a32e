using System.Text;
using SystemScope.Bpf;
using SystemScope.Core.Sessions;

namespace SystemScope.Sources.Kit;

/// <summary>
/// Writes the session's filter into its kernel maps (kit/filter.h) while programs read them, such
/// that no program ever accepts a mix of the old and the new filter:
/// <list type="bullet">
/// <item>The settings (flags, cgroup, name prefix, agent) sit in one memory-mapped entry written as a
/// sequence lock: the sequence number is odd while the rest is rewritten, and a program that sees it
/// odd or changed rejects the event.</item>
/// <item>Pid sets live in a hash map whose values say which generation's set a tgid belongs to. A
/// switch adds the new set under the next generation (the old one is still the one in force), then
/// makes the next generation current in the same sequence-locked write as the other settings, then
/// removes the old generation's members. A program sees either the old set or the new one, never
/// their union.</item>
/// </list>
/// </summary>
internal sealed class KernelFilter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly BpfMapMemory _config;
    private readonly BpfMap _tgids;
    private readonly uint _agentTgid;
    private readonly bool _includeAgent;
    private HashSet<uint> _pids = [];
    private uint _generation;

    public KernelFilter(BpfMap config, BpfMap tgids, int agentPid, bool includeAgent)
    {
        _config = config.MapMemory();
        _tgids = tgids;
        _agentTgid = (uint)agentPid;
        _includeAgent = includeAgent;
    }

    /// <summary>What the kernel applies now (for diagnostics and tests).</summary>
    public ProcessFilter? Applied { get; private set; }

    public void Apply(ProcessFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Cgroup is not null && filter.CgroupRef is null)
        {
            throw new InvalidOperationException($"filter {filter}: the cgroup was not resolved to an id");
        }

        lock (_gate)
        {
            var next = _generation ^ 1;
            var oldBit = (byte)(1 << (int)_generation);
            var newBit = (byte)(1 << (int)next);
            var pids = filter.Pids.Select(p => (uint)p).ToHashSet();
            var added = new List<uint>(pids.Count);
            try
            {
                foreach (var pid in pids)
                {
                    _tgids.Update(pid, (byte)((_pids.Contains(pid) ? oldBit : 0) | newBit));
                    added.Add(pid);
                }
            }
            catch
            {
                // The old filter is still in force; take back the next generation's marks, or they
                // would admit these pids the next time that generation becomes current.
                foreach (var pid in added)
                {
                    if (_pids.Contains(pid))
                    {
                        _tgids.Update(pid, oldBit);
                    }
                    else
                    {
                        _tgids.TryDelete(pid);
                    }
                }

                throw;
            }

            var comm = new Comm16();
            var commLength = filter.Comm is null ? 0 : Encoding.UTF8.GetBytes(filter.Comm, comm);
            var flags = (pids.Count > 0 ? FilterFlags.Pids : 0)
                | (filter.CgroupRef is not null ? FilterFlags.Cgroup : 0)
                | (commLength > 0 ? FilterFlags.Comm : 0);
            Publish(new FilterConfig
            {
                Flags = (uint)flags,
                AgentTgid = _agentTgid,
                IncludeAgent = _includeAgent ? 1u : 0u,
                CgroupId = filter.CgroupRef?.Id ?? 0,
                CgroupLevel = (uint)(filter.CgroupRef?.Level ?? 0),
                PidGeneration = next,
                CommLength = (uint)commLength,
                Comm = comm,
            });

            foreach (var pid in _pids)
            {
                if (pids.Contains(pid))
                {
                    _tgids.Update(pid, newBit);
                }
                else
                {
                    _tgids.TryDelete(pid);
                }
            }

            _pids = pids;
            _generation = next;
            Applied = filter;
        }
    }

    public void Dispose() => _config.Dispose();

    /// <summary>The sequence-locked write: odd, the fields, even again. Fences keep the stores in this order.</summary>
    private void Publish(in FilterConfig next)
    {
        ref var config = ref _config.Value<FilterConfig>();
        var seq = Volatile.Read(ref config.Seq);
        Volatile.Write(ref config.Seq, seq + 1);
        Interlocked.MemoryBarrier();
        // Field by field: a whole-struct copy would rewrite seq too, with an even value, mid-write.
        config.Flags = next.Flags;
        config.AgentTgid = next.AgentTgid;
        config.IncludeAgent = next.IncludeAgent;
        config.CgroupId = next.CgroupId;
        config.CgroupLevel = next.CgroupLevel;
        config.PidGeneration = next.PidGeneration;
        config.CommLength = next.CommLength;
        config.Comm = next.Comm;
        Interlocked.MemoryBarrier();
        Volatile.Write(ref config.Seq, seq + 2);
    }
}
