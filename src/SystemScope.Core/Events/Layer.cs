namespace SystemScope.Core.Events;

/// <summary>The layer of the system an event describes. Every event on the timeline has one.</summary>
public enum Layer : byte
{
    Process,
    Cpu,
    Scheduler,
    Syscall,
    BlockIo,
    Network,
    Memory,
    Gpu,
    Runtime,
}
