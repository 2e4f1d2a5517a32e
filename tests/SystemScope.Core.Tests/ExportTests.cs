using System.Text;
using System.Text.Json;
using SystemScope.Core.Export;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Symbols;
using static SystemScope.Core.Tests.TestSymbols;

namespace SystemScope.Core.Tests;

public sealed class ExportTests
{
    [Fact]
    public void Folded_stacks_are_root_first_with_counts_and_kernel_suffixes()
    {
        var tree = new CallTree();
        tree.Add([Symbol.ForProcess("app"), Native("main"), Native("work"), Kernel("do_syscall_64")], 7);
        tree.Add([Symbol.ForProcess("app"), Native("main")], 2);
        tree.Add([Symbol.ForProcess("app"), Native("main"), new Symbol("Program.Hot", null, FrameKind.Jit)], 1);

        var text = new StringWriter();
        FoldedExporter.Write(tree, text);

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["app;main 2", "app;main;Program.Hot_[j] 1", "app;main;work;do_syscall_64_[k] 7"],
            lines);
    }

    [Fact]
    public void Folded_stacks_sum_to_the_total_and_escape_separators()
    {
        var tree = new CallTree();
        tree.Add(Stack("main", "odd;name"), 3);
        tree.Add(Stack("main", "b"), 4);

        var text = new StringWriter();
        FoldedExporter.Write(tree, text);

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(tree.TotalSamples, lines.Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..])));
        Assert.Contains("main;odd_name 3", lines);
    }

    [Fact]
    public void Json_tree_nests_children_by_descending_total()
    {
        var tree = new CallTree();
        tree.Add(Stack("main", "small"), 1);
        tree.Add(Stack("main", "big"), 5);

        var buffer = new MemoryStream();
        FlameGraphJsonExporter.Write(tree, Descriptor, buffer);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray()));

        var root = json.RootElement.GetProperty("root");
        Assert.Equal(6, json.RootElement.GetProperty("total").GetInt64());
        Assert.Equal("cpu.flamegraph", json.RootElement.GetProperty("model").GetString());
        Assert.Equal("samples", json.RootElement.GetProperty("unit").GetString());
        Assert.Equal("root", root.GetProperty("kind").GetString());
        var main = root.GetProperty("children")[0];
        Assert.Equal("main", main.GetProperty("name").GetString());
        Assert.Equal("native", main.GetProperty("kind").GetString());
        var children = main.GetProperty("children").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("total").GetInt64())).ToArray();
        Assert.Equal([("big", 5L), ("small", 1L)], children);
    }

    private static readonly ModelDescriptor Descriptor = new("cpu.flamegraph", "flamegraph", "CPU", "samples", ["cpu"]);
}
