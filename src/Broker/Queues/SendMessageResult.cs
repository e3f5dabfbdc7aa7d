using Broker.Queues.Internal;

namespace Broker.Queues;

/// <summary>
/// What SQS's SendMessage returns. A struct, so that a send allocates nothing beyond the message it stores; the id and
/// digests are computed each time they are read.
/// </summary>
public readonly struct SendMessageResult : IEquatable<SendMessageResult>
{
    private readonly QueueMessage message;
    private readonly MessageQueue queue;

    internal SendMessageResult(MessageQueue queue, QueueMessage message)
    {
        this.queue = queue;
        this.message = message;
    }

    /// <summary>The message's id, a UUID.</summary>
    public string MessageId => queue.MessageIdOf(message);

    /// <summary>Compares by the message sent.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether both describe the same send.</returns>
    public static bool operator ==(SendMessageResult left, SendMessageResult right) => left.Equals(right);

    /// <summary>Compares by the message sent.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they describe different sends.</returns>
    public static bool operator !=(SendMessageResult left, SendMessageResult right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(SendMessageResult other) => ReferenceEquals(message, other.message);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SendMessageResult other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => message?.GetHashCode() ?? 0;

    /// <summary>The MD5 digest of the body, as lowercase hex.</summary>
    public string MD5OfMessageBody => MessageDigests.Md5Hex(message.Body.Span);

    /// <summary>The MD5 digest of the message attributes by SQS's algorithm, or <see langword="null"/> when there are none.</summary>
    public string? MD5OfMessageAttributes => message.Extras is { Attributes.Length: > 0 } extras ? MessageDigests.Md5OfAttributes(extras.Attributes) : null;

    /// <summary>FIFO queues: the message's sequence number, increasing within its group. <see langword="null"/> on a standard queue, as in SQS.</summary>
    public string? SequenceNumber => queue.FormatSequenceNumber(message);
}
