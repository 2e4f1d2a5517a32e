using System.Text;
using SystemScope.Core.Models;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Export;

/// <summary>
/// Brendan Gregg's folded stacks: one line per distinct stack, <c>frame;frame;frame count</c>, root
/// first, the tree's own root left out. Kernel frames carry the <c>_[k]</c> suffix and JIT frames
/// <c>_[j]</c>, as stackcollapse-perf.pl writes them, so flamegraph.pl colours them apart.
/// </summary>
public static class FoldedStacks
{
    public static void Write(CallTree tree, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(output);

        var path = new List<int>();
        var line = new StringBuilder();
        for (var node = 1; node < tree.NodeCount; node++)
        {
            var self = tree.Self(node);
            if (self == 0)
            {
                continue;
            }

            path.Clear();
            for (var n = node; n != CallTree.RootNode; n = tree.Parent(n))
            {
                path.Add(n);
            }

            line.Clear();
            for (var i = path.Count - 1; i >= 0; i--)
            {
                AppendFrame(line, tree.Frame(path[i]));
                line.Append(i == 0 ? ' ' : ';');
            }

            line.Append(self);
            output.WriteLine(line);
        }
    }

    /// <summary>Frame names may not contain the separators of the format.</summary>
    private static void AppendFrame(StringBuilder line, Symbol frame)
    {
        foreach (var c in frame.Name)
        {
            line.Append(c is ';' or '\n' or '\r' ? '_' : c);
        }

        line.Append(frame.Kind switch
        {
            FrameKind.Kernel => "_[k]",
            FrameKind.Jit => "_[j]",
            _ => string.Empty,
        });
    }
}
