using Broker.Durability.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.Tests.Durability;

/// <summary>How one journal record is framed: what reads back, and that damage is never read back as a record.</summary>
public sealed class JournalFrameTests
{
    [Fact]
    public void A_written_frame_reads_back_with_its_type_and_payload()
    {
        byte[] payload = [1, 2, 3, 4, 5];
        var frame = new byte[JournalFrame.FrameLength(payload.Length)];

        var length = JournalFrame.Write(frame, recordType: 7, payload);

        Assert.Equal(JournalFrame.HeaderSize + 5, length);
        Assert.Equal(FrameStatus.Valid, JournalFrame.Read(frame, out var type, out var payloadLength, out _));
        Assert.Equal(7, type);
        Assert.Equal(payload, frame.AsSpan(JournalFrame.HeaderSize, payloadLength).ToArray());
    }

    [Fact]
    public void A_frame_cut_short_needs_more_and_says_how_many_bytes_decide_it()
    {
        var frame = new byte[JournalFrame.FrameLength(100)];
        JournalFrame.Write(frame, 3, new byte[100]);

        Assert.Equal(FrameStatus.NeedMore, JournalFrame.Read(frame.AsSpan(0, 5), out _, out _, out var forHeader));
        Assert.Equal(JournalFrame.HeaderSize, forHeader);
        Assert.Equal(FrameStatus.NeedMore, JournalFrame.Read(frame.AsSpan(0, 60), out _, out _, out var forFrame));
        Assert.Equal(frame.Length, forFrame);
    }

    [Fact]
    public void Zero_filled_bytes_are_not_a_record()
        => Assert.Equal(FrameStatus.Invalid, JournalFrame.Read(new byte[64], out _, out _, out _));

    [Fact]
    public void A_length_above_the_maximum_is_invalid_before_anything_is_read_or_allocated()
    {
        var frame = new byte[JournalFrame.HeaderSize];
        JournalFrame.Write(frame, 1, []);
        BitConverter.TryWriteBytes(frame.AsSpan(4), JournalFrame.MaxPayloadLength + 1);

        Assert.Equal(FrameStatus.Invalid, JournalFrame.Read(frame, out _, out _, out _));
    }

    [Fact]
    public void Record_type_zero_cannot_be_written()
        => Assert.Throws<ArgumentOutOfRangeException>(() => JournalFrame.Write(new byte[JournalFrame.HeaderSize], 0, []));

    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public Property Any_single_flipped_bit_is_never_read_as_a_valid_record()
        => Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<NonNegativeInt>(), ArbMap.Default.ArbFor<byte>(), (payload, position, type) =>
        {
            var recordType = (byte)Math.Max((byte)1, type);
            var frame = new byte[JournalFrame.FrameLength(payload.Length)];
            JournalFrame.Write(frame, recordType, payload);
            var bit = position.Get % (frame.Length * 8);
            frame[bit / 8] ^= (byte)(1 << (bit % 8));

            return JournalFrame.Read(frame, out _, out _, out _) != FrameStatus.Valid;
        });
}
