using SystemScope.Core.Errors;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Symbols;
using static SystemScope.Core.Tests.TestSymbols;

namespace SystemScope.Core.Tests;

/// <summary>Time stays in the model: windows, ranges, diffs, budgets, cursors.</summary>
public sealed class FlameGraphModelTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void A_range_is_drawn_from_the_windows_it_overlaps()
    {
        var model = HotSwitch(seconds: 10);

        var first = ModelJson.Query(model, parameters: [("t0", "0"), ("t1", (5 * Second).ToString())]);
        var second = ModelJson.Query(model, parameters: [("t0", (5 * Second).ToString()), ("t1", (10 * Second).ToString())]);

        Assert.Equal("range", first.GetProperty("kind").GetString());
        Assert.Equal(new Dictionary<string, long> { ["main;early"] = 500 }, ModelJson.Folded(first));
        Assert.Equal(new Dictionary<string, long> { ["main;late"] = 500 }, ModelJson.Folded(second));
        Assert.Equal(5, second.GetProperty("range").GetProperty("windows").GetInt32());
        Assert.Equal(1000, model.Total);
    }

    [Fact]
    public void The_diff_of_two_halves_shows_the_hot_function_switching()
    {
        var model = HotSwitch(seconds: 10);

        var diff = ModelJson.Query(model, parameters: [("t0", (5 * Second).ToString()), ("t1", (10 * Second).ToString()), ("baseline.t0", "0"), ("baseline.t1", (5 * Second).ToString())]);

        Assert.Equal("diff", diff.GetProperty("kind").GetString());
        var after = ModelJson.Folded(diff);
        var before = ModelJson.Folded(diff, "baselineSelfs");
        Assert.Equal(500, after["main;late"]);
        Assert.False(after.ContainsKey("main;early"));
        Assert.Equal(500, before["main;early"]);
        Assert.Equal(500, diff.GetProperty("baselineTotal").GetInt64());
        Assert.Equal(500, diff.GetProperty("totalSamples").GetInt64());
    }

    [Fact]
    public void Two_models_diff_by_frame_even_when_their_trees_differ()
    {
        var a = new FlameGraphModel(Descriptor("a"));
        var b = new FlameGraphModel(Descriptor("b"));
        using (var w = a.BeginWindow(0, Second))
        {
            w.Add(Stack("main", "x"), 3);
            w.Add(Stack("main", "y"), 1);
        }

        using (var w = b.BeginWindow(0, Second))
        {
            w.Add(Stack("main", "y"), 4);
        }

        var diff = ModelJson.Query(b, (_, _) => a, out _, 0, null, ("baseline.session", "s1"), ("baseline.model", "a"));

        Assert.Equal(new Dictionary<string, long> { ["main;y"] = 4 }, ModelJson.Folded(diff));
        Assert.Equal(new Dictionary<string, long> { ["main;x"] = 3, ["main;y"] = 1 }, ModelJson.Folded(diff, "baselineSelfs"));
    }

    [Fact]
    public void Ranges_outside_the_history_and_unknown_parameters_are_clear_errors()
    {
        var model = HotSwitch(seconds: 3);

        var outside = Assert.Throws<InvalidRequestException>(() => ModelJson.Query(model, parameters: [("t0", (10 * Second).ToString()), ("t1", (11 * Second).ToString())]));
        Assert.Contains("outside the retained history of test.flamegraph (0–3000 ms", outside.Message);
        Assert.Contains("not before", Assert.Throws<InvalidRequestException>(() => ModelJson.Query(model, parameters: [("t0", "5"), ("t1", "5")])).Message);
        Assert.Contains("has no parameter 'from'", Assert.Throws<InvalidRequestException>(() => ModelJson.Query(model, parameters: [("from", "5")])).Message);
        Assert.Contains("not a cursor", Assert.Throws<InvalidRequestException>(() => ModelJson.Query(model, cursor: "garbage")).Message);
        Assert.Contains("holds no history yet", Assert.Throws<InvalidRequestException>(() => ModelJson.Query(new FlameGraphModel(Descriptor("e")), parameters: [("t0", "0")])).Message);
    }

    [Fact]
    public void Live_updates_carry_only_new_windows_after_the_cursor()
    {
        var model = HotSwitch(seconds: 2);
        var first = ModelJson.Query(model, out var cursor);
        Assert.Equal(2, first.GetProperty("windows").Longs("starts").Length);
        Assert.True(first.GetProperty("full").GetBoolean());

        using (var w = model.BeginWindow(2 * Second, 3 * Second))
        {
            w.Add(Stack("main", "late"), 7);
        }

        var second = ModelJson.Query(model, cursor: cursor);
        Assert.False(second.GetProperty("full").GetBoolean());
        Assert.Equal([2 * Second], second.GetProperty("windows").Longs("starts"));
        Assert.Equal([7L], second.GetProperty("windows").Longs("totals"));
    }

    [Fact]
    public void Frames_carry_their_raw_name_where_it_differs_live_and_in_ranges()
    {
        var model = new FlameGraphModel(Descriptor("raw"));
        var demangled = new Symbol("geo::Circle::area() const", "app", FrameKind.Native) { RawName = "_ZNK3geo6Circle4areaEv" };
        using (var w = model.BeginWindow(0, Second))
        {
            w.Add([Native("main"), demangled], 3);
        }

        foreach (var answer in new[] { ModelJson.Query(model), ModelJson.Query(model, parameters: [("t0", "0"), ("t1", Second.ToString())]) })
        {
            var names = answer.Strings("frameNames");
            var raw = answer.GetProperty("frameRawNames").EnumerateArray().Select(e => e.GetString()).ToArray();
            Assert.Equal(names.Length, raw.Length);
            Assert.Equal("_ZNK3geo6Circle4areaEv", raw[Array.IndexOf(names, "geo::Circle::area() const")]);
            Assert.Null(raw[Array.IndexOf(names, "main")]);
        }
    }

    [Fact]
    public void Over_budget_the_oldest_windows_go_first_and_are_counted()
    {
        var model = new FlameGraphModel(Descriptor("m"));
        for (var s = 0; s < 100; s++)
        {
            using var w = model.BeginWindow(s * Second, (s + 1) * Second);
            for (var f = 0; f < 50; f++)
            {
                w.Add(Stack("main", $"f{s}_{f}"), 1);
            }
        }

        var before = model.RetainedBytes;
        model.TrimTo(before / 2);

        Assert.True(model.RetainedBytes <= before / 2, $"{model.RetainedBytes} > {before / 2}");
        Assert.True(model.Dropped > 0);
        var windows = model.Windows();
        Assert.Equal(99 * Second, windows[^1].StartNs);
        Assert.Equal(100 - model.Dropped, windows.Count);

        // Compaction rebuilt the tree from what is retained: the live total is the retained windows' sum, in a new epoch.
        Assert.Equal(windows.Sum(w => w.Total), model.Total);
        Assert.NotEqual(0, model.Read(t => t.Epoch));
        var whole = ModelJson.Query(model, parameters: [("t0", "0")]);
        Assert.Equal(windows.Count * 50, ModelJson.Folded(whole).Count);
    }

    private static FlameGraphModel HotSwitch(int seconds)
    {
        // One window per second, 100 samples each: "early" in the first half, "late" in the second.
        var model = new FlameGraphModel(Descriptor("test.flamegraph"));
        for (var s = 0; s < seconds; s++)
        {
            using var w = model.BeginWindow(s * Second, (s + 1) * Second);
            w.Add(Stack("main", s < seconds / 2 ? "early" : "late"), 100);
        }

        return model;
    }

    private static ModelDescriptor Descriptor(string id) => new(id, FlameGraphModel.TypeName, id, "samples", ["test"]);
}
