namespace SystemScope.Core.Events;

/// <summary>
/// What an event is (<c>cpu.sample</c>, <c>process.exit</c>, later <c>sched.wakeup</c> …). Each source
/// registers its own kinds next to its payload type, so adding a source never edits a central list.
/// </summary>
public readonly record struct EventKind
{
    private static readonly Lock RegistrationLock = new();

    // Copy-on-write so that Name and Layer are lock-free reads on hot paths.
    private static (string Name, Layer Layer)[] s_registered = [];

    private EventKind(ushort id) => Id = id;

    public ushort Id { get; }

    public string Name => Id == 0 ? "(none)" : Volatile.Read(ref s_registered)[Id - 1].Name;

    public Layer Layer => Id == 0 ? Layer.Process : Volatile.Read(ref s_registered)[Id - 1].Layer;

    /// <summary>Registers (or returns the already registered) kind with this name.</summary>
    public static EventKind Register(string name, Layer layer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (RegistrationLock)
        {
            var registered = s_registered;
            for (var i = 0; i < registered.Length; i++)
            {
                if (registered[i].Name == name)
                {
                    return registered[i].Layer == layer
                        ? new EventKind((ushort)(i + 1))
                        : throw new InvalidOperationException($"event kind '{name}' is already registered in layer {registered[i].Layer}, not {layer}");
                }
            }

            Volatile.Write(ref s_registered, [.. registered, (name, layer)]);
            return new EventKind(checked((ushort)(registered.Length + 1)));
        }
    }

    public override string ToString() => Name;
}
