using System.Buffers.Text;
using Broker.Queues.Internal;

namespace Broker.Tests.Queues;

/// <summary>
/// The receipt handle's text: the canonical base64url of its bytes (a durable broker's handles issued before a restart
/// must still parse after it, so the text may not change), and nothing but the canonical form accepted back.
/// </summary>
public sealed class ReceiptHandleCodecTests
{
    [Fact]
    public void A_handle_is_the_canonical_base64url_of_its_bytes_and_parses_back_to_what_it_names()
    {
        var random = new Random(20261127);
        for (var i = 0; i < 2_000; i++)
        {
            var key = (ulong)random.NextInt64();
            var data = new ReceiptHandleData(random.Next(), random.Next(1, 1 << 24), (uint)random.NextInt64(0, uint.MaxValue + 1L));

            var handle = ReceiptHandleCodec.Format(data, key);

            var bytes = new byte[19];
            Assert.Equal(System.Buffers.OperationStatus.Done, Base64Url.DecodeFromChars(handle, bytes, out _, out var written));
            Assert.Equal(19, written);
            Assert.Equal(Base64Url.EncodeToString(bytes), handle);
            Assert.True(ReceiptHandleCodec.TryParse(handle, key, out var parsed));
            Assert.Equal(data, parsed);
            Assert.False(ReceiptHandleCodec.TryParse(handle, key ^ 1, out _));
        }
    }

    [Fact]
    public void The_slot_read_from_the_first_six_characters_is_the_slot_the_handle_names()
    {
        var random = new Random(20261127);
        for (var i = 0; i < 2_000; i++)
        {
            var slot = i < 32 ? int.MaxValue >> i : random.Next();
            var handle = ReceiptHandleCodec.Format(new ReceiptHandleData(slot, random.Next(1, 1 << 24), (uint)random.NextInt64(0, uint.MaxValue + 1L)), (ulong)random.NextInt64());

            Assert.True(ReceiptHandleCodec.TryReadSlot(handle, out var read));
            Assert.Equal(slot, read);
        }
    }

    [Theory]
    [InlineData('+')]
    [InlineData('=')]
    [InlineData('\0')]
    [InlineData('é')]
    [InlineData('Ａ')]
    public void A_slot_is_not_read_from_characters_outside_the_alphabet(char bad)
    {
        var handle = ReceiptHandleCodec.Format(new ReceiptHandleData(12345, 1, 99), 42UL);
        for (var position = 0; position < 6; position++)
        {
            var forged = string.Concat(handle.AsSpan(0, position), new string(bad, 1), handle.AsSpan(position + 1));
            Assert.False(ReceiptHandleCodec.TryReadSlot(forged, out _), $"read a slot with '{bad}' at {position}");
        }
    }

    [Fact]
    public void A_last_character_with_bits_the_bytes_do_not_have_is_refused()
    {
        var key = 42UL;
        var handle = ReceiptHandleCodec.Format(new ReceiptHandleData(7, 1, 99), key);
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        // The last character carries 2 bits of the last byte and 4 zero bits: any of those set is another string for
        // the same bytes, which the general decoder refuses too.
        var sextet = alphabet.IndexOf(handle[^1], StringComparison.Ordinal);
        var altered = handle[..^1] + alphabet[sextet | 1];

        Assert.True(ReceiptHandleCodec.TryParse(handle, key, out _));
        Assert.False(ReceiptHandleCodec.TryParse(altered, key, out _));
    }

    [Theory]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData('=')]
    [InlineData('\0')]
    [InlineData('é')]
    [InlineData('Ａ')]
    public void A_character_outside_the_alphabet_anywhere_is_refused(char bad)
    {
        var key = 42UL;
        var handle = ReceiptHandleCodec.Format(new ReceiptHandleData(3, 2, 1234), key);
        for (var position = 0; position < handle.Length; position++)
        {
            var forged = string.Concat(handle.AsSpan(0, position), new string(bad, 1), handle.AsSpan(position + 1));
            Assert.False(ReceiptHandleCodec.TryParse(forged, key, out _), $"accepted '{bad}' at {position}");
        }
    }
}
