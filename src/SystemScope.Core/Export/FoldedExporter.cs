using System.Text;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Export;

/// <summary>
/// Brendan Gregg's folded stacks: one line per distinct stack, <c>frame;frame;frame value</c>, root
/// first, the tree's own root left out. Kernel frames carry the <c>_[k]</c> suffix and JIT frames
/// <c>_[j]</c>, as stackcollapse-perf.pl writes them, so flamegraph.pl colours them apart. Values are
/// in the model's unit (samples, or µs for off-CPU and wall-clock graphs).
/// </summary>
public sealed class FoldedExporter : IModelExporter
{
    public string Format => "folded";

    public string ModelType => FlameGraphModel.TypeName;

    public string Description => "folded stacks (frame;frame;frame value, root first; kernel frames end in _[k], JIT frames in _[j]), for flamegraph.pl";

    public ExportCombination Combination => ExportCombination.Single;

    public void Write(IModel model, Stream output, long originNs)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new StreamWriter(output, leaveOpen: true) { NewLine = "\n" };
        ((FlameGraphModel)model).Read(tree =>
        {
            Write(tree, writer);
            return 0;
        });
    }

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
