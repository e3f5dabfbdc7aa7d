using System.Buffers.Binary;
using System.Buffers.Text;

namespace Broker.Queues.Internal;

/// <summary>
/// What a receipt handle names: the slot, the receive it came from, and the low half of the message's sequence (which
/// tells a slot's later occupant from the message the handle was issued for).
/// </summary>
internal readonly record struct ReceiptHandleData(int Slot, int ReceiveCount, uint SequenceLow)
{
    public bool Matches(QueueMessage message) => (uint)message.Sequence == SequenceLow;
}

/// <summary>
/// Encodes receipt handles as 26 URL-safe base64 characters: the <see cref="ReceiptHandleData"/> fields (slot, 24-bit
/// receive count, sequence low half) and a 64-bit keyed tag. The key is the queue's own random secret, so a handle from
/// another queue (or another incarnation of this one) and any edited or invented handle fail the tag check and are
/// rejected before they touch state.
/// </summary>
internal static class ReceiptHandleCodec
{
    private const int ByteLength = 4 + 3 + 4 + 8;
    public const int EncodedLength = 26;

    public static string Format(in ReceiptHandleData data, ulong key)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        Write(data, bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[11..], Tag(bytes[..11], key));
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryParse(string? handle, ulong key, out ReceiptHandleData data)
    {
        data = default;
        if (handle is null || handle.Length != EncodedLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[ByteLength];
        if (!TryDecodeExactly(handle, bytes)
            || BinaryPrimitives.ReadUInt64LittleEndian(bytes[11..]) != Tag(bytes[..11], key))
        {
            return false;
        }

        data = new ReceiptHandleData(
            BinaryPrimitives.ReadInt32LittleEndian(bytes),
            bytes[4] | (bytes[5] << 8) | (bytes[6] << 16),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[7..]));
        return data.Slot >= 0 && data.ReceiveCount > 0;
    }

    private static void Write(in ReceiptHandleData data, Span<byte> bytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes, data.Slot);
        bytes[4] = (byte)data.ReceiveCount;
        bytes[5] = (byte)(data.ReceiveCount >> 8);
        bytes[6] = (byte)(data.ReceiveCount >> 16);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[7..], data.SequenceLow);
    }

    private static ulong Tag(ReadOnlySpan<byte> payload, ulong key)
    {
        var h = Mix(key ^ BinaryPrimitives.ReadUInt64LittleEndian(payload));
        return Mix(h ^ (BinaryPrimitives.ReadUInt32LittleEndian(payload[7..]) | ((ulong)payload[6] << 32)));
    }

    /// <summary>
    /// Decodes an opaque base64url token (receipt handle, shard iterator, ListShards token) that must fill
    /// <paramref name="bytes"/> exactly. False for anything else: <c>DecodeFromChars</c> reports bad input in its status,
    /// where <c>TryDecodeFromChars</c> throws <see cref="FormatException"/> for a forged token with a character outside the
    /// alphabet or non-zero trailing bits.
    /// </summary>
    internal static bool TryDecodeExactly(string token, Span<byte> bytes) =>
        token.Length == Base64Url.GetEncodedLength(bytes.Length)
        && Base64Url.DecodeFromChars(token, bytes, out var consumed, out var written) == System.Buffers.OperationStatus.Done
        && consumed == token.Length && written == bytes.Length;

    /// <summary>A 64-bit finaliser (splitmix64): every input bit affects every output bit.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
