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

    private static ReadOnlySpan<byte> SignaturePlaceholderUtf8 => "BROKER-IN-PROCESS-UNSIGNED"u8;

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
        var (writer, output) = Start();
        WriteHead(writer, message.MessageGuid, fifo ? message.SequenceNumber : null, names, message.Subject);
        writer.WriteString("Message"u8, text);
        WriteTail(writer, message.Timestamp, names, fifo, message.DeliveredAttributes);
        return Finish(writer, output);
    }

    /// <summary>
    /// A queue envelope from the publish's <see cref="EnvelopeSource"/>: the same bytes as
    /// <see cref="Write(PublishedMessage, string, EnvelopeNames, bool)"/> for its default body (the body's UTF-8 is the
    /// string's, as the source holds only text a queue accepts), copied piece by piece into an array of exactly
    /// <see cref="Length"/> bytes: the keys and the subscription's names are constant bytes, and the values are escaped
    /// with the writer's own encoder, without a writer or a buffer to copy out of.
    /// </summary>
    public static byte[] Write(EnvelopeSource source, EnvelopeNames names, bool fifo)
    {
        var bytes = new byte[Length(source, names, fifo)];
        try
        {
            WriteInto(bytes, source, names, fifo);
        }
        catch (ArgumentException error)
        {
            // A value longer than measured: the destination ran out.
            throw new InvalidOperationException($"An envelope was measured at {bytes.Length} bytes and did not fit in them.", error);
        }

        return bytes;
    }

    private static void WriteInto(byte[] bytes, EnvelopeSource source, EnvelopeNames names, bool fifo)
    {
        var rest = bytes.AsSpan();
        Put(ref rest, "{\"Type\":\"Notification\",\"MessageId\":\""u8);
        source.MessageGuid.TryFormat(rest, out var written);
        rest = rest[written..];
        if (source.SequenceNumber is not null)
        {
            Put(ref rest, "\",\"SequenceNumber\":\""u8);
            rest = rest[System.Text.Encoding.UTF8.GetBytes(source.SequenceNumber!, rest)..];
        }

        Put(ref rest, "\",\"TopicArn\":\""u8);
        Put(ref rest, names.TopicArn.EncodedUtf8Bytes);
        if (source.Subject is not null)
        {
            Put(ref rest, "\",\"Subject\":\""u8);
            PutEscaped(ref rest, source.Subject);
        }

        Put(ref rest, "\",\"Message\":\""u8);
        PutEscaped(ref rest, source.Utf8Text);
        Put(ref rest, "\",\"Timestamp\":\""u8);
        rest = rest[FormatTimestamp(new DateTime(source.TimestampTicks, DateTimeKind.Utc), rest).Length..];
        if (!fifo)
        {
            Put(ref rest, "\",\"SignatureVersion\":\"1\",\"Signature\":\""u8);
            Put(ref rest, SignaturePlaceholderUtf8);
            Put(ref rest, "\",\"SigningCertURL\":\""u8);
            Put(ref rest, names.SigningCertUrl.EncodedUtf8Bytes);
        }

        Put(ref rest, "\",\"UnsubscribeURL\":\""u8);
        Put(ref rest, names.UnsubscribeUrl.EncodedUtf8Bytes);
        Put(ref rest, "\""u8);
        if (source.Attributes.Length > 0)
        {
            PutAttributes(ref rest, source.Attributes);
        }

        Put(ref rest, "}"u8);
        if (!rest.IsEmpty)
        {
            throw new InvalidOperationException($"An envelope was measured at {bytes.Length} bytes and written in {bytes.Length - rest.Length}.");
        }
    }

    /// <summary><c>,"MessageAttributes":{"name":{"Type":"t","Value":"v"},...}</c>, from attributes sorted by name as the writer sorts them.</summary>
    private static void PutAttributes(ref Span<byte> rest, KeyValuePair<string, MessageAttributeValue>[] sorted)
    {
        Put(ref rest, ",\"MessageAttributes\":{"u8);
        for (var i = 0; i < sorted.Length; i++)
        {
            var (name, value) = sorted[i];
            Put(ref rest, i == 0 ? "\""u8 : ",\""u8);
            PutEscaped(ref rest, name);
            Put(ref rest, "\":{\"Type\":\""u8);
            PutEscaped(ref rest, value.DataType);
            if (value.BinaryBytes is { } binary)
            {
                Put(ref rest, "\",\"Value\":\""u8);
                System.Buffers.Text.Base64.EncodeToUtf8(binary, rest, out _, out var encoded);
                rest = rest[encoded..];
                Put(ref rest, "\"}"u8);
            }
            else if (value.StringValue is { } text)
            {
                Put(ref rest, "\",\"Value\":\""u8);
                PutEscaped(ref rest, text);
                Put(ref rest, "\"}"u8);
            }
            else
            {
                Put(ref rest, "\",\"Value\":null}"u8);
            }
        }

        Put(ref rest, "}"u8);
    }

    private static void Put(ref Span<byte> rest, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(rest);
        rest = rest[bytes.Length..];
    }

    /// <summary>Text as the writer escapes a string value (valid UTF-16: the source holds only queue text).</summary>
    private static unsafe void PutEscaped(ref Span<byte> rest, string text)
    {
        fixed (char* chars = text)
        {
            if (WriterOptions.Encoder!.FindFirstCharacterToEncode(chars, text.Length) < 0)
            {
                rest = rest[System.Text.Encoding.UTF8.GetBytes(text, rest)..];
                return;
            }
        }

        var utf8 = ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(text, utf8);
            PutEscaped(ref rest, utf8.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <summary>UTF-8 text as the writer escapes a value: the bytes up to the first one to escape as they are, the rest through its encoder.</summary>
    private static void PutEscaped(ref Span<byte> rest, ReadOnlySpan<byte> utf8)
    {
        var encoder = WriterOptions.Encoder!;
        var first = encoder.FindFirstCharacterToEncodeUtf8(utf8);
        if (first < 0)
        {
            Put(ref rest, utf8);
            return;
        }

        Put(ref rest, utf8[..first]);
        if (encoder.EncodeUtf8(utf8[first..], rest, out _, out var written) != OperationStatus.Done)
        {
            throw new InvalidOperationException("An envelope's value could not be escaped into the length measured for it.");
        }

        rest = rest[written..];
    }

    /// <summary>The exact length of what <see cref="Write(EnvelopeSource, EnvelopeNames, bool)"/> writes, without writing it.</summary>
    public static int Length(EnvelopeSource source, EnvelopeNames names, bool fifo) => source.PublishLength + names.Length(fifo);

    /// <summary>
    /// The length of an envelope but for the values of <c>TopicArn</c>, <c>SigningCertURL</c> and <c>UnsubscribeURL</c>
    /// (the subscription's): the same for every subscription of a publish. Mirrors <see cref="WriteHead"/> and
    /// <see cref="WriteTail"/> key by key: each string property is <c>"key":"value"</c> (5 bytes and the two), properties
    /// are separated by commas, and every value is measured as the writer escapes it.
    /// </summary>
    public static int PublishLength(ReadOnlySpan<byte> utf8Text, string? subject, string? sequenceNumber, ReadOnlySpan<KeyValuePair<string, MessageAttributeValue>> attributes, bool fifo)
    {
        var length = 2; // { }
        var properties = 0;
        Property("Type".Length, "Notification".Length);
        Property("MessageId".Length, GuidLength);
        if (sequenceNumber is not null)
        {
            Property("SequenceNumber".Length, sequenceNumber.Length);
        }

        Property("TopicArn".Length, 0);
        if (subject is not null)
        {
            Property("Subject".Length, EscapedLength(subject));
        }

        Property("Message".Length, EscapedLength(utf8Text));
        Property("Timestamp".Length, TimestampLength);
        if (!fifo)
        {
            Property("SignatureVersion".Length, 1);
            Property("Signature".Length, SignaturePlaceholder.Length);
            Property("SigningCertURL".Length, 0);
        }

        Property("UnsubscribeURL".Length, 0);
        if (attributes.Length > 0)
        {
            // "MessageAttributes":{"name":{"Type":"t","Value":"v"},...}
            length += "MessageAttributes".Length + 3 + 2 + (attributes.Length - 1);
            properties++;
            foreach (var (name, value) in attributes)
            {
                length += AttributeLength(name, value);
            }
        }

        return length + (properties - 1);

        void Property(int key, int value)
        {
            length += key + 5 + value;
            properties++;
        }
    }

    private static (Utf8JsonWriter Writer, ArrayBufferWriter<byte> Output) Start()
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

        return (writer, output);
    }

    private static byte[] Finish(Utf8JsonWriter writer, ArrayBufferWriter<byte> output)
    {
        writer.WriteEndObject();
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Type, MessageId, [SequenceNumber], TopicArn, [Subject]: what comes before the message.</summary>
    private static void WriteHead(Utf8JsonWriter writer, Guid messageGuid, string? sequenceNumber, EnvelopeNames names, string? subject)
    {
        writer.WriteStartObject();
        writer.WriteString("Type"u8, "Notification"u8);
        Span<byte> id = stackalloc byte[GuidLength];
        messageGuid.TryFormat(id, out _);
        writer.WriteString("MessageId"u8, id);
        if (sequenceNumber is not null)
        {
            writer.WriteString("SequenceNumber"u8, sequenceNumber);
        }

        writer.WriteString("TopicArn"u8, names.TopicArn);
        if (subject is not null)
        {
            writer.WriteString("Subject"u8, subject);
        }
    }

    /// <summary>Timestamp, [SignatureVersion, Signature, SigningCertURL], UnsubscribeURL, [MessageAttributes]: what follows it.</summary>
    private static void WriteTail(Utf8JsonWriter writer, DateTimeOffset timestamp, EnvelopeNames names, bool fifo, IReadOnlyDictionary<string, MessageAttributeValue> attributes)
    {
        Span<byte> formatted = stackalloc byte[TimestampLength];
        writer.WriteString("Timestamp"u8, FormatTimestamp(timestamp, formatted));
        if (!fifo)
        {
            writer.WriteString("SignatureVersion"u8, "1"u8);
            writer.WriteString("Signature"u8, SignaturePlaceholder);
            writer.WriteString("SigningCertURL"u8, names.SigningCertUrl);
        }

        writer.WriteString("UnsubscribeURL"u8, names.UnsubscribeUrl);
        if (attributes.Count > 0)
        {
            WriteAttributes(writer, attributes);
        }
    }

    /// <summary><c>"name":{"Type":"t","Value":"v"}</c>, as <see cref="WriteAttributes"/> writes it.</summary>
    private static int AttributeLength(string name, MessageAttributeValue value)
    {
        var valueProperty = value.BinaryBytes is { } bytes ? "Value".Length + 5 + (((bytes.Length + 2) / 3) * 4)
            : value.StringValue is { } text ? "Value".Length + 5 + EscapedLength(text)
            : "Value".Length + 3 + "null".Length;
        return EscapedLength(name) + 3 + 2 + ("Type".Length + 5 + EscapedLength(value.DataType)) + 1 + valueProperty;
    }

    /// <summary>The length of a GUID's text in the "D" format, as <see cref="PublishedMessage.MessageId"/> writes it.</summary>
    private const int GuidLength = 36;

    /// <summary>The length of <see cref="FormatTimestamp(DateTimeOffset, Span{byte})"/>'s text.</summary>
    private const int TimestampLength = 24;

    /// <summary>
    /// The bytes the writer writes for <paramref name="value"/> (queue text: valid UTF-16) between its quotes: its UTF-8
    /// length when the encoder escapes none of it (what the writer checks too), otherwise its UTF-8 counted through the
    /// encoder.
    /// </summary>
    private static unsafe int EscapedLength(string value)
    {
        fixed (char* text = value)
        {
            if (WriterOptions.Encoder!.FindFirstCharacterToEncode(text, value.Length) < 0)
            {
                return System.Text.Encoding.UTF8.GetByteCount(value);
            }
        }

        var utf8 = ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(value.Length));
        try
        {
            return EscapedLength(utf8.AsSpan(0, System.Text.Encoding.UTF8.GetBytes(value, utf8)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    /// <summary>
    /// The bytes the writer writes for UTF-8 <paramref name="utf8Value"/> between its quotes: those before the first one
    /// to escape as they are, the rest counted as the encoder writes them (into a scratch span, a piece at a time).
    /// </summary>
    private static int EscapedLength(ReadOnlySpan<byte> utf8Value)
    {
        var encoder = WriterOptions.Encoder!;
        var first = encoder.FindFirstCharacterToEncodeUtf8(utf8Value);
        if (first < 0)
        {
            return utf8Value.Length;
        }

        Span<byte> scratch = stackalloc byte[EscapeScratchLength];
        var length = first;
        var rest = utf8Value[first..];
        while (true)
        {
            var status = encoder.EncodeUtf8(rest, scratch, out var consumed, out var written);
            length += written;
            switch (status)
            {
                case OperationStatus.Done:
                    return length;
                case OperationStatus.DestinationTooSmall:
                    rest = rest[consumed..];
                    break;
                default:
                    throw new ArgumentException("The text is not valid UTF-8.", nameof(utf8Value));
            }
        }
    }

    /// <summary>The scratch <see cref="EscapedLength(ReadOnlySpan{byte})"/> counts escaped text in, a piece at a time.</summary>
    private const int EscapeScratchLength = 128;

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
    public static ReadOnlySpan<byte> FormatTimestamp(DateTimeOffset timestamp, Span<byte> destination) => FormatTimestamp(timestamp.UtcDateTime, destination);

    /// <inheritdoc cref="FormatTimestamp(DateTimeOffset, Span{byte})"/>
    private static ReadOnlySpan<byte> FormatTimestamp(DateTime utc, Span<byte> destination)
    {
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

    /// <summary>
    /// The bytes these names add to an envelope: the topic ARN, the unsubscribe URL and, on a standard topic, the
    /// certificate URL, encoded.
    /// </summary>
    public int Length(bool fifo) =>
        TopicArn.EncodedUtf8Bytes.Length + UnsubscribeUrl.EncodedUtf8Bytes.Length + (fifo ? 0 : SigningCertUrl.EncodedUtf8Bytes.Length);

    public JsonEncodedText SigningCertUrl { get; }

    public JsonEncodedText UnsubscribeUrl { get; }
}
