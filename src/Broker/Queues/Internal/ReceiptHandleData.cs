using System.Buffers.Binary;
using System.Buffers.Text;

namespace Broker.Queues.Internal;

/// <summary>What a receipt handle names: the slot, the receive it came from, the message, and when it was received.</summary>
internal readonly record struct ReceiptHandleData(int Slot, int ReceiveCount, long Sequence, long ReceivedAt);

/// <summary>
/// Encodes receipt handles as 44 URL-safe base64 characters: a version byte, the <see cref="ReceiptHandleData"/>
/// fields, and a 64-bit keyed tag. The key is the queue's own random secret, so a handle from another queue (or another
/// incarnation of this one) and any edited or invented handle fail the tag check and are rejected before they touch state.
/// </summary>
internal static class ReceiptHandleCodec
{
    private const byte Version = 1;
    private const int ByteLength = 1 + 4 + 4 + 8 + 8 + 8;
    public const int EncodedLength = 44;

    public static string Format(in ReceiptHandleData data, ulong key)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(bytes[1..], data.Slot);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[5..], data.ReceiveCount);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[9..], data.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[17..], data.ReceivedAt);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[25..], Tag(data, key));
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
        if (!Base64Url.TryDecodeFromChars(handle, bytes, out var written) || written != ByteLength || bytes[0] != Version)
        {
            return false;
        }

        data = new ReceiptHandleData(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[1..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[5..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[9..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[17..]));
        return data.Slot >= 0 && data.ReceiveCount > 0 && BinaryPrimitives.ReadUInt64LittleEndian(bytes[25..]) == Tag(data, key);
    }

    private static ulong Tag(in ReceiptHandleData data, ulong key)
    {
        var h = key;
        h = Mix(h ^ (uint)data.Slot ^ ((ulong)(uint)data.ReceiveCount << 32));
        h = Mix(h ^ (ulong)data.Sequence);
        h = Mix(h ^ (ulong)data.ReceivedAt);
        return h;
    }

    /// <summary>A 64-bit finaliser (splitmix64): every input bit affects every output bit.</summary>
    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
