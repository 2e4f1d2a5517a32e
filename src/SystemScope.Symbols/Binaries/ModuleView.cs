using SystemScope.Core.Symbols;
using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Binaries;

/// <summary>A binary under one module name, with one shared <see cref="Symbol"/> per function.</summary>
internal sealed class ModuleView
{
    private readonly Symbol?[] _symbols;
    private UnknownFrames.Module? _unknown;

    public ModuleView(BinaryImage image, string module)
    {
        Image = image;
        Module = module;
        _symbols = new Symbol?[image.Functions.Count];
    }

    public BinaryImage Image { get; }

    public string Module { get; }

    /// <param name="lookupOffset">File offset to look up (a return address already moved back into the call).</param>
    /// <param name="displayOffset">File offset the frame is named by when no function contains it.</param>
    public Symbol Resolve(ulong lookupOffset, ulong displayOffset, UnknownFrames unknown)
    {
        if (Image.TryToVirtual(lookupOffset, out var address))
        {
            var index = Image.Functions.Find(address);
            if (index >= 0)
            {
                return _symbols[index] ?? Create(index);
            }
        }

        _unknown ??= unknown.For(Module);
        return _unknown.Get(Image.TryToVirtual(displayOffset, out var shown) ? shown : displayOffset);
    }

    // Demangled here, once per function that a frame resolves to: most of a binary's symbols are never hit.
    // A function known only by its range reads module!fn_START: fn_4a80 alone would merge with other modules'.
    private Symbol Create(int index)
    {
        var functions = Image.Functions;
        var symbol = functions.IsUnnamed(index)
            ? new Symbol($"{Module}!{functions.NameOf(index)}", Module, FrameKind.Native)
            : Demangler.ToSymbol(functions.NameOf(index), Module, FrameKind.Native);
        return Interlocked.CompareExchange(ref _symbols[index], symbol, null) ?? symbol;
    }
}
