using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Sources.Accel;

namespace SystemScope.Kernel.Tests.Accel;

/// <summary>
/// A job record as accel_fence.bpf.c writes it becomes a span on the emitting thread and on its ring's
/// track. No kernel here creates a fence (no DRM driver, no sw_sync, no vgem), so the record is built
/// in the test: this checks the decoding only; AccelRecordTests checks that the programs attach.
/// </summary>
public sealed class FenceDecoderTests
{
    [Fact]
    public void A_fence_from_emit_to_signaled_is_a_span_on_its_driver_timeline()
    {
        var record = new FenceJobRecord { EmitNs = 5_000_000, SignaledNs = 7_500_000, Context = 12, Seqno = 34, Tgid = 100, Tid = 101 };
        Encoding.UTF8.GetBytes("trainer").CopyTo(record.Comm);
        Encoding.UTF8.GetBytes("amdgpu").CopyTo(record.Driver);
        Encoding.UTF8.GetBytes("gfx_0.0.0").CopyTo(record.Timeline);
        var decoder = new FenceDecoder();
        decoder.OnRecord(MemoryMarshal.AsBytes(new ReadOnlySpan<FenceJobRecord>(in record)));
        decoder.OnRecord(new byte[8]); // a short record is ignored

        var span = FenceDecoder.Span(record);

        Assert.Equal((5_000_000L, 2_500_000L, 100, 101), (span.Header.TimestampNs, span.Header.DurationNs, span.Header.Pid, span.Header.Tid));
        Assert.Equal(("accel", "device job", "amdgpu gfx_0.0.0"), (span.Payload.Category, span.Payload.Name, span.Payload.Device));
        Assert.Equal("amdgpu gfx_0.0.0 context 12 seqno 34", span.Payload.Detail);
        Assert.Equal("trainer", span.Payload.ThreadName);
    }
}
