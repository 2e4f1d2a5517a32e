using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Process;

namespace SystemScope.Core.Tests;

public sealed class EventModelTests
{
    private readonly record struct TestPayload(int Value);

    [Fact]
    public void Kinds_are_registered_once_and_carry_their_layer()
    {
        var again = EventKind.Register("cpu.sample", Layer.Cpu);

        Assert.Equal(CpuStackSample.Kind, again);
        Assert.Equal(Layer.Cpu, new EventHeader(CpuStackSample.Kind, 0, 1, 1).Layer);
        Assert.Equal("process.exit", ProcessLifecycle.ExitKind.Name);
        Assert.Throws<InvalidOperationException>(() => EventKind.Register("cpu.sample", Layer.Network));
    }

    [Fact]
    public void The_bus_delivers_by_payload_type_and_isolates_failing_subscribers()
    {
        var bus = new EventBus();
        var received = new List<int>();
        bus.Subscribe(new Sink(e => throw new InvalidOperationException("broken subscriber")));
        bus.Subscribe(new Sink(e => received.Add(e.Payload.Value)));
        var kind = EventKind.Register("test.value", Layer.Runtime);

        var error = Assert.Throws<AggregateException>(() => bus.Publish<TestPayload>([new(new EventHeader(kind, 1, 2, 3), new TestPayload(5))]));

        Assert.Equal([5], received);
        Assert.Contains("broken subscriber", error.InnerExceptions[0].Message);
        Assert.False(bus.HasSubscribers<CpuStackSample>());
    }

    [Fact]
    public void The_monotonic_clock_matches_the_kernel_clock_domain()
    {
        // CLOCK_MONOTONIC and the agent's clock must agree: compare with /proc/uptime's order of magnitude.
        var uptimeSeconds = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var nowSeconds = MonotonicClock.NowNs() / 1e9;

        Assert.InRange(nowSeconds, uptimeSeconds - 5, uptimeSeconds + 5);
    }

    private sealed class Sink(Action<Event<TestPayload>> onEvent) : IEventSink<TestPayload>
    {
        public void OnEvents(ReadOnlySpan<Event<TestPayload>> events)
        {
            foreach (var e in events)
            {
                onEvent(e);
            }
        }
    }
}
