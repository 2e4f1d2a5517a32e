namespace SystemScope.Sources.Kit;

/// <summary>
/// What the kit headers (bpf/kit/*.h) put into every object that includes them. <see cref="KitObject"/>
/// checks whichever of these an object has, besides its own schema.
/// </summary>
internal static class KitSchema
{
    /// <summary>The session's shared maps (kit/filter.h, kit/process.h), created once per session from this object.</summary>
    public static readonly ObjectSchema Session = new("session_maps.bpf.o");

    public static readonly MapRef<uint, FilterConfig> Filter = Session.Map<uint, FilterConfig>("ss_filter", ScalarLayout.U32, FilterConfig.Layout);

    public static readonly MapRef<uint, byte> FilterTgids = Session.Map<uint, byte>("ss_filter_tgids", ScalarLayout.U32, ScalarLayout.U8);

    public static readonly MapRef<uint, byte> KnownTgids = Session.Map<uint, byte>("ss_known_tgids", ScalarLayout.U32, ScalarLayout.U8);

    public static readonly MapRef ProcEvents = Session.Map("ss_proc_events");

    /// <summary>kit/counters.h: enum ss_kit_counter, map ss_kit_counters.</summary>
    public const string KitCounters = "ss_kit_counter";

    /// <summary>kit/emit.h: pending ring buffer bytes before a record wakes the reader.</summary>
    public static readonly ConstantRef<ulong> WakeupThreshold = new("ss_wakeup_threshold");

    /// <summary>kit/stacks.h: frames captured per stack.</summary>
    public static readonly ConstantRef<uint> MaxStackDepth = new("ss_max_stack_depth");

    /// <summary>kit/stacks.h: stacks the stacks map could not allocate an element for (read and emptied by user space).</summary>
    public static readonly MapRef<ulong, StackRecord> StackReserve = new("ss_stack_reserve", ScalarLayout.U64, StackRecord.Layout);

    /// <summary>kit/slots.h: which of two map slots the programs write.</summary>
    public static readonly MapRef<uint, uint> ActiveSlot = new("ss_active_slot", ScalarLayout.U32, ScalarLayout.U32);

    /// <summary>The maps every object of a session shares with the session's own object (the same kernel maps).</summary>
    public static readonly IReadOnlyList<MapRef> SharedMaps = [Filter, FilterTgids, KnownTgids, ProcEvents];

    /// <summary>Maps of optional kit headers, checked where an object has them.</summary>
    public static readonly IReadOnlyList<MapRef> OptionalMaps = [ActiveSlot, StackReserve];

    /// <summary>Records the kit defines, checked where an object's BTF has them.</summary>
    public static readonly IReadOnlyList<ILayout> Records = [ProcEvent.Layout, StackRecord.Layout, FilterConfig.Layout, Unwind.UnwindRowRecord.Layout];

    /// <summary>Pending bytes before a record wakes its reader: the same for every object, so the shared ring behaves the same whoever writes.</summary>
    public const ulong DefaultWakeupThreshold = 64 * 1024;

    static KitSchema() => Session.Record(ProcEvent.Layout);
}
