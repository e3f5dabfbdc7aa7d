using System.Buffers;
using System.Globalization;
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

    public static byte[] Write(PublishedMessage message, string text, string topicArn, string subscriptionArn, string region, bool fifo)
    {
        var output = buffer ??= new ArrayBufferWriter<byte>(1024);
        output.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("Type"u8, "Notification"u8);
            writer.WriteString("MessageId"u8, message.MessageId);
            if (fifo)
            {
                writer.WriteString("SequenceNumber"u8, message.SequenceNumber);
            }

            writer.WriteString("TopicArn"u8, topicArn);
            if (message.Subject is not null)
            {
                writer.WriteString("Subject"u8, message.Subject);
            }

            writer.WriteString("Message"u8, text);
            writer.WriteString("Timestamp"u8, FormatTimestamp(message.Timestamp));
            if (!fifo)
            {
                writer.WriteString("SignatureVersion"u8, "1"u8);
                writer.WriteString("Signature"u8, SignaturePlaceholder);
                writer.WriteString("SigningCertURL"u8, $"https://sns.{region}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem");
            }

            writer.WriteString("UnsubscribeURL"u8, $"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscriptionArn}");
            if (message.Attributes.Count > 0)
            {
                writer.WriteStartObject("MessageAttributes"u8);
                foreach (var (name, value) in message.Attributes.OrderBy(static pair => pair.Key, StringComparer.Ordinal))
                {
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

            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>ISO-8601 UTC with milliseconds, as SNS writes it: <c>2012-05-02T00:54:06.655Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The attributes a dead-lettered handler delivery carries, as SNS adds them for a failed Lambda endpoint.</summary>
    public static Dictionary<string, MessageAttributeValue> HandlerFailureAttributes(Exception? error) => new(StringComparer.Ordinal)
    {
        ["ErrorCode"] = MessageAttributeValue.FromNumber(500),
        ["ErrorMessage"] = MessageAttributeValue.FromString(Truncate(error is null ? "Delivery failed." : $"{error.GetType().Name}: {error.Message}")),
        ["RequestID"] = MessageAttributeValue.FromString(Guid.NewGuid().ToString()),
    };

    private static string Truncate(string text) => text.Length <= 1024 ? text : text[..1024];
}
