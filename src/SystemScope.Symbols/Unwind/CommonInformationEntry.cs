namespace SystemScope.Symbols.Unwind;

/// <summary>A parsed CIE: what its FDEs share (alignment factors, encodings, initial rules).</summary>
internal sealed class CommonInformationEntry
{
    public required ulong CodeAlignment { get; init; }

    public required long DataAlignment { get; init; }

    public required ulong ReturnAddressRegister { get; init; }

    /// <summary>How the FDEs' addresses are encoded ('R' augmentation; absolute otherwise).</summary>
    public required byte FdeEncoding { get; init; }

    public required int AddressSize { get; init; }

    /// <summary>The 'z' augmentation: FDEs carry an augmentation data length.</summary>
    public required bool HasAugmentationData { get; init; }

    /// <summary>The 'S' augmentation: the FDEs describe a signal trampoline.</summary>
    public required bool IsSignalFrame { get; init; }

    public required int InstructionsStart { get; init; }

    public required int InstructionsEnd { get; init; }

    /// <summary>The rules after the initial instructions: where every FDE starts and what DW_CFA_restore returns to.</summary>
    public CfaState Initial { get; set; }
}
