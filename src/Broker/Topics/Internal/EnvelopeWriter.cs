using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Broker.Queues;

namespace Broker.Topics.Internal;

/// <summary>
/// Writes SNS's JSON notification envelope, with SNS's key order: standard topics
/// <c>Type, MessageId, TopicArn, [Subject], Message, Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL, [MessageAttributes]</c>;
/// FIFO topics <c>Type, MessageId, SequenceNumber, TopicArn, [Subject], Message, Timestamp, UnsubscribeURL, [MessageAttributes]</c>.
/// </summary>
/// <remarks>
/// There is no certificate in one process, so <c>Signature</c> is a fixed placeholder and <c>SigningCertURL</c> names no real
/// certificate; code that verifies SNS signatures must skip the check against the broker.
/// </remarks>
internal static class EnvelopeWriter
{
    public const string SignaturePlaceholder = "BROKER-IN-PROCESS-UNSIGNED";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? reusableWriter;

    /// <summary>The envelope for one subscription, as UTF-8 JSON in a new array the caller owns.</summary>
    /// <param name="message">The published message.</param>
    /// <param name="text">The body this protocol gets.</param>
    /// <param name="names">The topic's and subscription's pre-encoded URLs and ARNs.</param>
    /// <param name="fifo">Whether the topic is FIFO (sequence number, no signature).</param>
    public static byte[] Write(PublishedMessage message, string text, EnvelopeNames names, bool fifo)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(1024);
        output.ResetWrittenCount();
        var writer = reusableWriter;
        if (writer is null)
        {
            writer = reusableWriter = new Utf8JsonWriter(output, WriterOptions);
        }
        else
        {
            writer.Reset(output);
        }

        writer.WriteStartObject();
        writer.WriteString("Type"u8, "Notification"u8);
        writer.WriteString("MessageId"u8, message.MessageId);
        if (fifo)
        {
            writer.WriteString("SequenceNumber"u8, message.SequenceNumber);
        }

        writer.WriteString("TopicArn"u8, names.TopicArn);
        if (message.Subject is not null)
        {
            writer.WriteString("Subject"u8, message.Subject);
        }

        writer.WriteString("Message"u8, text);
        Span<byte> timestamp = stackalloc byte[24];
        writer.WriteString("Timestamp"u8, FormatTimestamp(message.Timestamp, timestamp));
        if (!fifo)
        {
            writer.WriteString("SignatureVersion"u8, "1"u8);
            writer.WriteString("Signature"u8, SignaturePlaceholder);
            writer.WriteString("SigningCertURL"u8, names.SigningCertUrl);
        }

        writer.WriteString("UnsubscribeURL"u8, names.UnsubscribeUrl);
        if (message.DeliveredAttributes.Count > 0)
        {
            WriteAttributes(writer, message.DeliveredAttributes);
        }

        writer.WriteEndObject();
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static void WriteAttributes(Utf8JsonWriter writer, IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        var names = new string[attributes.Count];
        var count = 0;
        foreach (var name in attributes.Keys)
        {
            names[count++] = name;
        }

        Array.Sort(names, StringComparer.Ordinal);
        writer.WriteStartObject("MessageAttributes"u8);
        foreach (var name in names)
        {
            var value = attributes[name];
            writer.WriteStartObject(name);
            writer.WriteString("Type"u8, value.DataType);
            if (value.BinaryBytes is { } bytes)
            {
                writer.WriteBase64String("Value"u8, bytes);
            }
            else
            {
                writer.WriteString("Value"u8, value.StringValue);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>ISO-8601 UTC with milliseconds, as SNS writes it: <c>2012-05-02T00:54:06.655Z</c> (24 bytes).</summary>
    public static ReadOnlySpan<byte> FormatTimestamp(DateTimeOffset timestamp, Span<byte> destination)
    {
        var utc = timestamp.UtcDateTime;
        Digits(destination[..4], utc.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), utc.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), utc.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), utc.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), utc.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), utc.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 3), utc.Millisecond);
        destination[23] = (byte)'Z';
        return destination[..24];

        static void Digits(Span<byte> into, int value)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (byte)('0' + (value % 10));
                value /= 10;
            }
        }
    }

    /// <summary>The attributes a dead-lettered handler delivery carries, as SNS adds them for a failed Lambda endpoint.</summary>
    public static Dictionary<string, MessageAttributeValue> HandlerFailureAttributes(Exception? error) => new(StringComparer.Ordinal)
    {
        ["ErrorCode"] = MessageAttributeValue.FromNumber(500),
        ["ErrorMessage"] = MessageAttributeValue.FromString(Truncate(error is null ? "Delivery failed." : $"{error.GetType().Name}: {error.Message}")),
        ["RequestID"] = MessageAttributeValue.FromString(Guid.NewGuid().ToString()),
    };

    private static string Truncate(string text) => text.Length <= 1024 ? text : text[..1024];
}

/// <summary>A topic's and a subscription's envelope fields, JSON-encoded once instead of on every delivery.</summary>
internal sealed class EnvelopeNames
{
    public EnvelopeNames(string topicArn, string subscriptionArn, string region)
    {
        TopicArn = JsonEncodedText.Encode(topicArn);
        SigningCertUrl = JsonEncodedText.Encode($"https://sns.{region}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem");
        UnsubscribeUrl = JsonEncodedText.Encode($"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscriptionArn}");
    }

    public JsonEncodedText TopicArn { get; }

    public JsonEncodedText SigningCertUrl { get; }

    public JsonEncodedText UnsubscribeUrl { get; }
}
