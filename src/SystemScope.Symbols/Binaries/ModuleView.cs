using SystemScope.Core.Symbols;
using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Binaries;

/// <summary>A binary under one module name, with one shared <see cref="Symbol"/> per function.</summary>
internal sealed class ModuleView
{
    private readonly Symbol?[] _symbols;
    private readonly Symbol?[] _inlineSymbols;
    private UnknownFrames.Module? _unknown;

    public ModuleView(BinaryImage image, string module)
    {
        Image = image;
        Module = module;
        _symbols = new Symbol?[image.Functions.Count];
        _inlineSymbols = new Symbol?[image.Inlines.Names.Length];
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

    /// <summary>
    /// Writes the functions inlined at <paramref name="lookupOffset"/> into <paramref name="frames"/>,
    /// innermost first, and returns how many (0 without debug info or outside inlined code).
    /// </summary>
    public int ResolveInlined(ulong lookupOffset, Span<Symbol> frames)
    {
        var inlines = Image.Inlines;
        if (inlines.RangeCount == 0 || frames.IsEmpty || !Image.TryToVirtual(lookupOffset, out var address))
        {
            return 0;
        }

        Span<int> chain = stackalloc int[Math.Min(frames.Length, 64)];
        var count = inlines.Find(address, chain);
        for (var i = 0; i < count; i++)
        {
            var name = chain[i];
            frames[i] = _inlineSymbols[name] ?? CreateInlined(name);
        }

        return count;
    }

    private Symbol CreateInlined(int name)
    {
        var symbol = Demangler.ToSymbol(Image.Inlines.Names[name], Module, FrameKind.Native);
        return Interlocked.CompareExchange(ref _inlineSymbols[name], symbol, null) ?? symbol;
    }

    // Demangled here, once per function that a frame resolves to: most of a binary's symbols are never hit.
    // A function known only by its range reads module!fn_START: fn_4a80 alone would merge with other modules'.
    // Precompiled .NET methods take the kind and module of their jitted tiers, so that both are one frame.
    private Symbol Create(int index)
    {
        var functions = Image.Functions;
        var symbol = Image.ManagedAssembly is { } assembly
            ? new Symbol(functions.NameOf(index), assembly, FrameKind.Jit)
            : functions.IsUnnamed(index)
            ? new Symbol($"{Module}!{functions.NameOf(index)}", Module, FrameKind.Native)
            : Demangler.ToSymbol(functions.NameOf(index), Module, FrameKind.Native);
        return Interlocked.CompareExchange(ref _symbols[index], symbol, null) ?? symbol;
    }
}
