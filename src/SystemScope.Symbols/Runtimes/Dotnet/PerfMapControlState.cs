namespace SystemScope.Symbols.Runtimes.Dotnet;

/// <summary>Where switching a .NET process's perf map on stands.</summary>
internal enum PerfMapControlState : byte
{
    /// <summary>Not known yet whether the process runs .NET.</summary>
    Unknown,

    /// <summary>The process does not run .NET: nothing to switch.</summary>
    NotDotnet,

    /// <summary>.NET, perf map not switched on by us.</summary>
    Off,

    /// <summary>We switched it on over the diagnostic port (and will switch it off).</summary>
    On,

    /// <summary>The process's own environment switches it on (<c>DOTNET_PerfMapEnabled</c>): never touched.</summary>
    External,

    /// <summary>Switching on failed; recorded, retried when another session starts to observe the process.</summary>
    Failed,
}
