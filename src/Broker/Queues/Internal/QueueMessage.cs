namespace Broker.Queues.Internal;

/// <summary>
/// A stored message. Immutable but for <see cref="State"/>, which every transition changes with one compare-and-swap.
/// Kept small on purpose (64 bytes; a small body lives in a shared page, not an array of its own): a message that was
/// never received nor delayed holds nothing else; the receipt, deadline and first-receive time of a received or delayed
/// message live in its <see cref="SlotTable"/> slot.
/// </summary>
internal sealed class QueueMessage(ReadOnlyMemory<byte> body, MessageExtras? extras, long sequence, long sentAt)
{
    /// <summary>
    /// The body; never written after construction and never exposed writable. An array of its own, or a stretch of a
    /// page it shares with the bodies sent around it (<see cref="BodyArena"/>).
    /// </summary>
    public readonly ReadOnlyMemory<byte> Body = body;

    /// <summary>Message attributes and group id, or null when the message has neither.</summary>
    public readonly MessageExtras? Extras = extras;

    /// <summary>Per-queue sequence the message id is derived from.</summary>
    public readonly long Sequence = sequence;

    /// <summary>When it was sent, UTC ticks of the broker's clock.</summary>
    public readonly long SentAt = sentAt;

    /// <summary>Slot, receive count and status packed by <see cref="MessageState"/>; written only by CAS.</summary>
    public long State;

    /// <summary>Bytes counted toward the queue's size caps: body plus attributes.</summary>
    public int Size => Body.Length + (Extras?.AttributesSize ?? 0);
}

/// <summary>The statuses a message moves through.</summary>
internal enum MessageStatus
{
    Delayed = 1,
    Visible = 2,
    InFlight = 3,
    Deleted = 4,
}

/// <summary>
/// Packs a message's state into one long so that every transition is a single CAS:
/// bits 0-6 status, bit 7 "counted toward the queue's caps", bits 8-31 receive count, bits 32-63 slot index + 1 (0: no slot).
/// </summary>
internal static class MessageState
{
    /// <summary>Set when the send reserved room under the queue's depth and byte caps, so removal gives it back.</summary>
    public const long CountedFlag = 0x80;

    public static long Make(int slot, int receiveCount, MessageStatus status) =>
        ((long)(uint)(slot + 1) << 32) | ((long)(receiveCount & 0xFFFFFF) << 8) | (long)status;

    /// <summary>A new state that keeps the flags of <paramref name="previous"/>.</summary>
    public static long Next(long previous, int slot, int receiveCount, MessageStatus status) =>
        Make(slot, receiveCount, status) | (previous & CountedFlag);

    public static MessageStatus Status(long state) => (MessageStatus)(state & 0x7F);

    public static bool IsCounted(long state) => (state & CountedFlag) != 0;

    public static int ReceiveCount(long state) => (int)((state >> 8) & 0xFFFFFF);

    public static int Slot(long state) => (int)(uint)(state >>> 32) - 1;

    public static bool IsLive(long state) => Status(state) != MessageStatus.Deleted;
}
