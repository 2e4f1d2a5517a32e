namespace SystemScope.Symbols.Unwind;

/// <summary>
/// The DWARF register numbers a row depends on, per architecture. Only x86_64 rows are built now;
/// arm64 would be sp = 31, frame pointer x29 = 29 and the return address in x30 (LR) = 30, with the
/// return address no longer at a fixed CFA offset.
/// </summary>
internal sealed record UnwindRegisters(ushort Machine, ulong StackPointer, ulong FramePointer, long ReturnAddressSlot)
{
    /// <summary>rsp = 7, rbp = 6; the call instruction leaves the return address at CFA-8.</summary>
    public static UnwindRegisters X86_64 { get; } = new(62, StackPointer: 7, FramePointer: 6, ReturnAddressSlot: -8);

    public static UnwindRegisters? ForMachine(ushort machine) => machine == X86_64.Machine ? X86_64 : null;
}
