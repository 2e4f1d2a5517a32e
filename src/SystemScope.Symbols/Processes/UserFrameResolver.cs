using SystemScope.Core.Symbols;
using SystemScope.Symbols.Jit;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// Resolves user-space addresses of one process against its mapping snapshot: ELF functions for
/// files, the perf map for JIT regions, <c>module+0xoffset</c> for the rest. A miss re-reads the maps
/// (dlopen, new JIT regions) or the perf map once per call. A stack is cut above its leaf at the first
/// frame that cannot be a return address into code (<see cref="UserStackCuts"/>).
/// </summary>
internal sealed class UserFrameResolver(ProcessTable processes, ProcessInspector inspector, UnknownFrames unknown, SymbolizerOptions options)
{
    private readonly UnknownFrames.Module _unmapped = unknown.For(UnknownFrames.UnknownModule);

    public UserStackCuts Cuts { get; } = new();

    /// <summary>
    /// Fills <paramref name="frames"/> leaf first and returns how many frames the stack keeps. With inline
    /// frames on, an address in inlined code adds the inlined functions (innermost first) before the
    /// function that holds them, as far as <paramref name="frames"/> has room beyond one frame per address.
    /// </summary>
    public int Resolve(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        // Kernel threads have no user stack: do not snapshot them for nothing.
        if (addresses.IsEmpty)
        {
            return 0;
        }

        var kept = UserStackCuts.ValidPrefix(addresses, out var reason);
        var state = Find(pid);
        var snapshot = state?.Snapshot;
        var mapsRefreshed = false;
        var perfMapRefreshed = false;
        state?.Touch();
        var written = 0;
        for (var i = 0; i < kept; i++)
        {
            var address = addresses[i];

            // Frames above the leaf are return addresses: the call lies just before them.
            var lookup = i == 0 ? address : address - 1;
            var mapping = snapshot?.Find(lookup);
            if (mapping is null && state is not null && !mapsRefreshed && !state.Exited)
            {
                mapsRefreshed = true;
                snapshot = state.Refresh(inspector, snapshot, options.MapsRefreshInterval);
                mapping = snapshot?.Find(lookup);
            }

            // Data above the leaf ends the stack; without any mappings (a process never seen) nothing can be told.
            if (mapping is null && i > 0 && snapshot is not null)
            {
                reason = StackCutReason.Unmapped;
                kept = i;
                break;
            }

            if (mapping is null)
            {
                frames[written++] = _unmapped.Get(address);
                continue;
            }

            if (options.InlineFrames && mapping.Binary is not null && mapping.Kind is MappingKind.File or MappingKind.Special)
            {
                // Room is kept for one frame per address still to come, this one included.
                var room = frames.Length - written - (kept - i);
                written += mapping.Binary.View.ResolveInlined(mapping.FileOffset(lookup), frames.Slice(written, Math.Max(room, 0)));
            }

            frames[written++] = ResolveIn(state!, mapping, lookup, address, ref perfMapRefreshed);
        }

        if (kept < addresses.Length)
        {
            Cuts.Record(reason, addresses.Length - kept);
        }

        return written;
    }

    /// <summary>The known state, or a new one with a first snapshot when the process is alive.</summary>
    public ProcessState? Find(int pid)
    {
        if (processes.TryGet(pid, out var state))
        {
            return state;
        }

        if (pid <= 0 || !ProcessInfo.Exists(inspector.ProcRoot, pid))
        {
            return null;
        }

        state = new ProcessState(pid, ProcessInfo.ReadStartTime(inspector.ProcRoot, pid));
        state.Refresh(inspector, null, TimeSpan.Zero);
        return processes.GetOrAdd(state);
    }

    public PerfMap PerfMapOf(ProcessState state) => state.GetOrCreatePerfMap(s => PerfMaps.Create(inspector.ProcRoot, s.Pid, options.MaxPerfMapEntries));

    private Symbol ResolveIn(ProcessState state, ExecutableMapping mapping, ulong lookup, ulong address, ref bool perfMapRefreshed)
    {
        switch (mapping.Kind)
        {
            case MappingKind.File:
            case MappingKind.Special when mapping.Binary is not null: // the vDSO
                return mapping.Binary!.View.Resolve(mapping.FileOffset(lookup), mapping.FileOffset(address), unknown);

            case MappingKind.Jit:
                var perfMap = PerfMapOf(state);
                if (perfMap.TryFind(lookup, out var jitted))
                {
                    return jitted;
                }

                if (!perfMapRefreshed)
                {
                    perfMapRefreshed = true;
                    if (perfMap.Refresh() && perfMap.TryFind(lookup, out jitted))
                    {
                        return jitted;
                    }
                }

                return mapping.Unknown(address, unknown);

            default:
                return mapping.Unknown(address, unknown);
        }
    }
}
