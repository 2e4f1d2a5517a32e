using SystemScope.Core.Errors;
using SystemScope.Core.Tuning;

namespace SystemScope.Core.Tests;

/// <summary>
/// The loop's decisions on scripted metric windows, with tunables that keep their value in memory and a
/// journal in a temporary file: what is kept, what is restored (exactly), what is refused before any
/// write, and what a start after a crash restores.
/// </summary>
public sealed class TuningEngineTests : IDisposable
{
    private static readonly VerifyOptions Fast = new(TimeSpan.FromMilliseconds(100), 3);
    private static readonly MetricSpec Latency = new("latency", "latency", "us", 10);

    private readonly string _directory = Directory.CreateTempSubdirectory("systemscope-engine-").FullName;
    private readonly MemoryTunable _knob = new("knob", 0, 100) { Value = "40" };
    private readonly MemoryTunable _other = new("other", 0, 100) { Value = "5" };
    private readonly HashSet<JournalOwner> _dead = [];
    private readonly FakeOwner _owner;

    public TuningEngineTests() => _owner = new FakeOwner(_dead);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task AnImprovementBeyondTheNoise_IsKept()
    {
        var entry = await Apply(Action(("knob", "60")), baseline: [100, 104, 98], after: [50, 52, 49]);
        Assert.Equal(ActionState.Kept, entry.State);
        Assert.Equal(VerdictKind.Kept, entry.Verdict!.Kind);
        Assert.Equal("60", _knob.Value);
        Assert.Equal([100, 104, 98], entry.Baseline);
        Assert.Equal("40", entry.Changes[0].Before);
    }

    [Fact]
    public async Task ARegression_IsRolledBackToTheExactValue()
    {
        var entry = await Apply(Action(("knob", "60"), ("other", "9")), baseline: [100, 104, 98], after: [300, 280, 310]);
        Assert.Equal(VerdictKind.RolledBackRegression, entry.Verdict!.Kind);
        Assert.Equal(("40", "5"), (_knob.Value, _other.Value));
        Assert.Equal(["40", "5"], entry.Changes.Select(c => c.Restored));
        Assert.Equal(ActionState.RolledBack, Journal().Read().Single().State);
    }

    [Fact]
    public async Task NoEffectBeyondTheNoise_IsRolledBack()
    {
        var entry = await Apply(Action(("knob", "60")), baseline: [100, 130, 80], after: [95, 120, 90]);
        Assert.Equal(VerdictKind.RolledBackNoEffect, entry.Verdict!.Kind);
        Assert.Equal("40", _knob.Value);
    }

    [Fact]
    public async Task ABaselineTooNoisyToJudge_IsSaid_AndNothingIsWritten()
    {
        var entry = await Apply(Action(("knob", "60")), baseline: [10, 900, 20], after: []);
        Assert.Equal(VerdictKind.NotJudgedTooNoisy, entry.Verdict!.Kind);
        Assert.Contains("too noisy", entry.Verdict.Reason, StringComparison.Ordinal);
        Assert.Equal(ActionState.NotApplied, entry.State);
        Assert.Equal(0, _knob.Writes);
    }

    [Fact]
    public async Task AFailedWrite_RestoresWhatWasWritten()
    {
        _other.FailWrites = true;
        var entry = await Apply(Action(("knob", "60"), ("other", "9")), baseline: [100, 100, 100], after: []);
        Assert.Equal(VerdictKind.RolledBackError, entry.Verdict!.Kind);
        Assert.Equal("40", _knob.Value);
    }

    [Fact]
    public async Task OutOfRangeUnknownOrAbsent_IsRefusedBeforeAnyWrite()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => Apply(Action(("knob", "60"), ("other", "101")), [1, 1, 1], []));
        await Assert.ThrowsAsync<NotFoundException>(() => Apply(Action(("knob", "60"), ("nope", "1")), [1, 1, 1], []));
        _other.Absent = "absent on this kernel";
        var absent = await Assert.ThrowsAsync<UnavailableException>(() => Apply(Action(("knob", "60"), ("other", "1")), [1, 1, 1], []));
        Assert.Contains("absent on this kernel", absent.Message, StringComparison.Ordinal);
        Assert.Equal(0, _knob.Writes);
        Assert.Empty(Journal().Read());
    }

    [Fact]
    public async Task AnActionLeftAppliedByADeadOwner_IsRestoredAtTheNextStart()
    {
        var metric = new ScriptedMetric([100, 100, 100], []) { BlockAfterBaseline = true };
        using var cancel = new CancellationTokenSource();
        var engine = Engine();
        var running = engine.ApplyAsync(Finding(Action(("knob", "60"))), Action(("knob", "60")), metric, Fast, "test", DateTimeOffset.UtcNow, null, cancel.Token);
        await metric.Applied.Task;
        Assert.Equal("60", _knob.Value);
        Assert.Equal(ActionState.Applied, Journal().Read().Single().State);

        // The owner "dies" with the change in place: a new engine (the next start) restores it.
        _dead.Add(_owner.Self);
        var restored = new TuningEngine(Registry(), Journal(), new FakeOwner(_dead)).Recover("next start");
        Assert.Single(restored);
        Assert.Equal("40", _knob.Value);
        Assert.Equal(VerdictKind.RolledBackShutdown, Journal().Read().Single().Verdict!.Kind);
        cancel.Cancel();
        metric.Release.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task ShutdownBeforeTheVerdict_Restores()
    {
        var metric = new ScriptedMetric([100, 100, 100], []) { BlockAfterBaseline = true };
        using var cancel = new CancellationTokenSource();
        var running = Engine().ApplyAsync(Finding(Action(("knob", "60"))), Action(("knob", "60")), metric, Fast, "test", DateTimeOffset.UtcNow, null, cancel.Token);
        await metric.Applied.Task;
        cancel.Cancel();
        metric.Release.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal("40", _knob.Value);
        Assert.Equal(VerdictKind.RolledBackShutdown, Journal().Read().Single().Verdict!.Kind);
    }

    [Fact]
    public async Task AKeptAction_RollsBackOnRequest_AndOnlyOnce()
    {
        var engine = Engine();
        var entry = await Apply(Action(("knob", "60")), baseline: [100, 100, 100], after: [10, 10, 10]);
        var rolledBack = engine.Rollback(entry.FindingId, "someone");
        Assert.Equal(VerdictKind.RolledBackByUser, rolledBack.Verdict!.Kind);
        Assert.Equal("40", _knob.Value);
        Assert.Throws<ConflictException>(() => engine.Rollback(entry.Id, "someone"));
        Assert.Throws<NotFoundException>(() => engine.Rollback("no-such-id", "someone"));
    }

    [Fact]
    public void OneActionPerTarget_AtATime()
    {
        Journal().Update(entries =>
        {
            entries.Add(new JournalEntry
            {
                Id = "busy", FindingId = "f", ActionId = "a", Title = "t", Who = "w", Owner = _owner.Self, State = ActionState.Applied,
                Changes = [new JournalChange("knob", TunableTarget.System(), "40", "50")], Metric = Latency,
            });
            return 0;
        });
        var error = Assert.Throws<ConflictException>(() => Engine().DryRun(Finding(Action(("knob", "60"))), Action(("knob", "60"))));
        Assert.Contains("one action per target", error.Message, StringComparison.Ordinal);
    }

    private async Task<JournalEntry> Apply(ProposedAction action, double[] baseline, double[] after) =>
        await Engine().ApplyAsync(Finding(action), action, new ScriptedMetric(baseline, after), Fast, "test", DateTimeOffset.UtcNow, null, CancellationToken.None);

    private TuningEngine Engine() => new(Registry(), Journal(), _owner);

    private TunableRegistry Registry() => new([_knob, _other]);

    private TuningJournal Journal() => new(Path.Combine(_directory, "journal.json"));

    private static ProposedAction Action(params (string Tunable, string Value)[] changes) =>
        new("act", "test action", [.. changes.Select(c => new ProposedChange(c.Tunable, TunableTarget.System(), c.Value))], Latency);

    private static Finding Finding(ProposedAction action) => new("finding.1", "test", "a finding", FindingLayer.Kernel, [], "better", "none", [action]);

    private sealed class MemoryTunable(string id, int min, int max) : ITunable
    {
        public string Value { get; set; } = "0";

        public int Writes { get; private set; }

        public bool FailWrites { get; set; }

        public string? Absent { get; set; }

        public string Id { get; } = id;

        public TunableKind Kind => TunableKind.Sysctl;

        public TunableScope Scope => TunableScope.System;

        public string Description => "in memory";

        public string Range => $"{min}..{max}";

        public string? Validate(TunableTarget target, string value) => int.TryParse(value, out var n) && n >= min && n <= max ? null : "out of range";

        public string? Availability(TunableTarget target) => Absent;

        public string Read(TunableTarget target) => Value;

        public void Write(TunableTarget target, string value)
        {
            if (FailWrites)
            {
                throw new IOException("write refused");
            }

            Writes++;
            Value = value;
        }
    }

    /// <summary>Returns the baseline windows, then (after the change) the after windows; the priming calls return null.</summary>
    private sealed class ScriptedMetric(double[] baseline, double[] after) : ITargetMetric
    {
        private readonly Queue<double?> _values = new([null, .. baseline.Select(v => (double?)v), null, null, .. after.Select(v => (double?)v)]);

        public bool BlockAfterBaseline { get; init; }

        public TaskCompletionSource Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Holds the engine inside a window after the change until the test has looked.</summary>
        public ManualResetEventSlim Release { get; } = new(false);

        public double? Sample()
        {
            if (_values.Count == 0 && BlockAfterBaseline)
            {
                Applied.TrySetResult();
                Release.Wait();
                return null;
            }

            return _values.Count > 0 ? _values.Dequeue() : null;
        }
    }

    private sealed class FakeOwner(HashSet<JournalOwner> dead) : IOwnerIdentity
    {
        public JournalOwner Self { get; } = new(Random.Shared.Next(1, 1 << 22), Random.Shared.NextInt64());

        public bool IsAlive(JournalOwner owner) => !dead.Contains(owner);
    }
}
