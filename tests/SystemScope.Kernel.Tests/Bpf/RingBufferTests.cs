using System.Diagnostics;
using SystemScope.Bpf;
using SystemScope.Kernel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Bpf;

[Collection(KernelCollection.Name)]
public sealed class RingBufferTests(ITestOutputHelper output)
{
    private const int GetppidCalls = 20_000;
    private const long SysGetppid = 110; // x86_64

    [KernelFact]
    public void Every_record_arrives_once_with_batched_wakeups_and_a_failing_consumer_does_not_stop_the_reader()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();
        using (var workload = Workloads.Start("syscall_loop", "getppid", GetppidCalls.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        using (var obj = new BpfObjectSpec("ringbuf_syscalls", File.ReadAllBytes(Workloads.BuildBpf("ringbuf_syscalls"))).Open())
        {
            obj.SetConstant("target_tgid", (uint)workload.Pid);
            obj.Load();
            var consumer = new SyscallRecords(throwEvery: 1000);
            using var ring = RingBuffer.Open(obj.Map("records"), consumer);
            using var link = obj.Program("on_sys_enter").Attach();

            workload.WriteLine("go");
            Assert.Equal("done", workload.ReadLine());

            // Records submitted without a wakeup are found by consume, not by poll.
            var clock = Stopwatch.StartNew();
            long polled = 0, consumed = 0;
            while (consumer.Getppid + consumer.Thrown < GetppidCalls)
            {
                Assert.True(clock.Elapsed < EventRecorder.Patience, $"only {consumer.Getppid + consumer.Thrown} of {GetppidCalls} records arrived");
                polled += ring.Poll(100);
                consumed += ring.Consume();
            }

            clock.Stop();
            workload.WriteLine("exit");
            workload.WaitForExit(EventRecorder.Patience);

            Assert.Equal(GetppidCalls, consumer.Getppid + consumer.Thrown);
            Assert.Equal(GetppidCalls / 1000, consumer.Thrown);
            Assert.Equal(consumer.Thrown, ring.ConsumerErrors);
            Assert.IsType<InvalidOperationException>(ring.LastConsumerError);
            Assert.Equal(consumer.Records, consumer.DistinctSequences);
            Assert.Equal(0UL, obj.Map("stats").TryLookup(1u, out ulong dropped) ? dropped : 0);
            output.WriteLine($"{consumer.Records} records: {polled} by poll, {consumed} by consume, {clock.Elapsed.TotalMilliseconds:F1} ms to read (after the workload finished)");
        }

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    private sealed class SyscallRecords(int throwEvery) : IRingBufferConsumer
    {
        private readonly HashSet<ulong> _sequences = [];

        public long Records { get; private set; }

        public long Getppid { get; private set; }

        public long Thrown { get; private set; }

        public int DistinctSequences => _sequences.Count;

        public void OnRecord(ReadOnlySpan<byte> record)
        {
            Records++;
            _sequences.Add(BitConverter.ToUInt64(record));
            if (BitConverter.ToInt64(record[8..]) != SysGetppid)
            {
                return;
            }

            if ((Getppid + Thrown + 1) % throwEvery == 0)
            {
                Thrown++;
                throw new InvalidOperationException("consumer failure on purpose");
            }

            Getppid++;
        }
    }
}
