using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;

namespace SystemScope.Kernel.Tests.Gpu;

/// <summary>The JSON of a <c>systemscope record gpu … --format json</c> run, read by model and column.</summary>
public sealed class GpuRecording
{
    private GpuRecording(CliResult result, JsonElement root)
    {
        Result = result;
        Root = root;
    }

    public CliResult Result { get; }

    public JsonElement Root { get; }

    public static GpuRecording Parse(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        return new GpuRecording(result, document.RootElement.Clone());
    }

    /// <summary>The rows of a table model as column → value.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Rows(string model)
    {
        return [.. Root.GetProperty(model).GetProperty("rows").EnumerateArray().Select(row =>
            (IReadOnlyDictionary<string, JsonElement>)row.EnumerateObject().ToDictionary(p => p.Name, p => p.Value))];
    }

    /// <summary>The gpu.calls row of a function in a process, or a failure naming what the table has.</summary>
    public IReadOnlyDictionary<string, JsonElement> Call(int pid, string function)
    {
        var rows = Rows("gpu.calls").Where(r => r["pid"].GetInt32() == pid).ToList();
        return rows.FirstOrDefault(r => r["name"].GetString() == function)
            ?? throw new Xunit.Sdk.XunitException($"no row for {function} of pid {pid}; rows: {string.Join(", ", rows.Select(r => r["name"].GetString() + "×" + r["count"].GetInt64()))}\n{Result}");
    }

    public long Count(int pid, string function) => Call(pid, function)["count"].GetInt64();

    public long Bytes(int pid, string function) => Call(pid, function)["bytes"].GetInt64();

    /// <summary>Launches per kernel name (or host stub address) of a process.</summary>
    public IReadOnlyDictionary<string, long> Kernels(int pid) =>
        Rows("gpu.kernels").Where(r => r["pid"].GetInt32() == pid).ToDictionary(r => r["kernel"].GetString()!, r => r["launches"].GetInt64());

    /// <summary>The off-CPU time per reason of a process's threads, from threads.breakdown.</summary>
    public IReadOnlyDictionary<string, long> Reasons(int pid)
    {
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var thread in Root.GetProperty("threads.breakdown").GetProperty("threads").EnumerateArray().Where(t => t.GetProperty("pid").GetInt32() == pid))
        {
            foreach (var reason in thread.GetProperty("topReasons").EnumerateArray())
            {
                var text = reason.GetProperty("reason").GetString()!;
                reasons[text] = reasons.GetValueOrDefault(text) + reason.GetProperty("value").GetInt64();
            }
        }

        return reasons;
    }
}
