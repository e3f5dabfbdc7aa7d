using System.Globalization;
using System.Text;
using System.Text.Json;
using Broker.Queues;

namespace Broker.Topics.Internal;

/// <summary>SNS's checks on a publish, with SNS's messages; nothing here touches a topic's state.</summary>
internal static class PublishValidation
{
    public static BrokerException Invalid(string message) => new(BrokerErrorCodes.InvalidParameter, "Invalid parameter: " + message);

    /// <summary>Checks one publish and returns it as an accepted message (not yet sequenced).</summary>
    public static PublishedMessage Build(
        string message,
        string? subject,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        string? messageStructure,
        Guid messageId,
        DateTimeOffset timestamp)
    {
        var body = Check(message, subject, attributes, messageStructure, out var defaultMessage, out var structure);
        return new PublishedMessage(messageId, defaultMessage, body, subject, Copy(attributes), timestamp) { Structure = structure };
    }

    /// <summary>Checks one publish and returns it as accepted, its message not yet made (see <see cref="Publication"/>).</summary>
    public static Publication BuildPublication(
        string message,
        string? subject,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        string? messageStructure,
        Guid messageId,
        DateTimeOffset timestamp)
    {
        var body = Check(message, subject, attributes, messageStructure, out var defaultMessage, out var structure);
        return new Publication(messageId, defaultMessage, body, subject, attributes, structure, timestamp);
    }

    /// <summary>SNS's checks of a publish's body, subject and attributes; returns the default body's UTF-8.</summary>
    private static byte[] Check(
        string message,
        string? subject,
        IReadOnlyDictionary<string, MessageAttributeValue>? attributes,
        string? messageStructure,
        out string defaultMessage,
        out PublishedMessage.StructuredBodies? structure)
    {
        if (message.Length == 0)
        {
            throw Invalid("Empty message");
        }

        string? sqsMessage = null;
        string? lambdaMessage = null;
        defaultMessage = message;
        if (messageStructure is not null)
        {
            if (messageStructure != "json")
            {
                throw Invalid($"MessageStructure Reason: '{messageStructure}' is not a valid message structure; use \"json\" or leave it unset.");
            }

            (defaultMessage, sqsMessage, lambdaMessage) = ParseStructure(message);
        }

        ValidateSubject(subject);
        var attributesSize = ValidateAttributes(attributes);
        var body = Queues.Internal.MessageValidation.TryEncodeAscii(defaultMessage) ?? Encoding.UTF8.GetBytes(defaultMessage);
        var size = (ReferenceEquals(defaultMessage, message) ? body.Length : Encoding.UTF8.GetByteCount(message)) + attributesSize;
        if (size > TopicDefaults.MaximumMessageSize)
        {
            throw Invalid($"Message too long. The body and attributes are {size} bytes; the limit is {TopicDefaults.MaximumMessageSize} bytes.");
        }

        structure = messageStructure is null ? null : new PublishedMessage.StructuredBodies(sqsMessage, lambdaMessage);
        return body;
    }

    public static void ValidateFifo(bool fifoTopic, bool contentBasedDeduplication, string? groupId, string? deduplicationId)
    {
        if (!fifoTopic)
        {
            if (deduplicationId is not null)
            {
                throw Invalid("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type");
            }

            if (groupId is not null)
            {
                CheckId(groupId, "MessageGroupId");
            }

            return;
        }

        if (groupId is null)
        {
            throw Invalid("The MessageGroupId parameter is required for FIFO topics");
        }

        CheckId(groupId, "MessageGroupId");
        if (deduplicationId is null)
        {
            if (!contentBasedDeduplication)
            {
                throw Invalid("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
            }
        }
        else
        {
            CheckId(deduplicationId, "MessageDeduplicationId");
        }
    }

    private static void CheckId(string value, string parameter)
    {
        // SNS, like SQS: 1 to 128 characters, each printable ASCII ('!' to '~').
        if (value.Length is 0 or > 128 || value.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            throw Invalid($"{parameter} Reason: must be 1 to 128 characters, each a letter, digit or punctuation mark (ASCII 33 to 126); got '{value}'.");
        }
    }

    private static void ValidateSubject(string? subject)
    {
        if (subject is null)
        {
            return;
        }

        // SNS: ASCII, starting with a letter, digit or punctuation mark, no line breaks or control characters, under 100 characters.
        if (subject.Length is 0 or > TopicDefaults.MaxSubjectLength
            || subject[0] == ' '
            || subject.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            throw Invalid("Subject. It must be 1 to 100 printable ASCII characters, must not start with a space, and must not contain line breaks or control characters.");
        }
    }

    private static (string Default, string? Sqs, string? Lambda) ParseStructure(string message)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate.
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            throw Invalid("Message Structure - JSON message body failed to parse");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("default", out var fallback)
                || fallback.ValueKind != JsonValueKind.String)
            {
                throw Invalid("Message Structure - No default entry in JSON message body");
            }

            return (fallback.GetString()!, StringProperty(document.RootElement, "sqs"), StringProperty(document.RootElement, "lambda"));
        }

        static string? StringProperty(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    /// <summary>Checks every attribute as SNS does and returns their size (name, type and value bytes).</summary>
    private static int ValidateAttributes(IReadOnlyDictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return 0;
        }

        var size = 0;
        if (attributes is Dictionary<string, MessageAttributeValue> dictionary)
        {
            // The usual publisher's dictionary, walked without boxing its enumerator.
            foreach (var (name, value) in dictionary)
            {
                size += ValidateAttribute(name, value);
            }

            return size;
        }

        foreach (var (name, value) in attributes)
        {
            size += ValidateAttribute(name, value);
        }

        return size;
    }

    /// <summary>Checks one message attribute as SNS does; its size in bytes (name, type and value).</summary>
    private static int ValidateAttribute(string name, MessageAttributeValue? value)
    {
        ValidateAttributeName(name);
        if (value is null)
        {
            throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' must contain non-empty message attribute value.");
        }

        var type = value.DataType;
        var size = Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(type);
        switch (type)
        {
            case "String" or "String.Array" or "Number":
                if (value.StringValue is null)
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' with type '{type}' must use field 'String'.");
                }

                if (value.StringValue.Length == 0)
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{type}'.");
                }

                if (type == "Number" && !decimal.TryParse(value.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"Could not cast message attribute '{name}' value to number.");
                }

                if (type == "String.Array" && !IsStringArray(value.StringValue))
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' with type 'String.Array' must be a JSON array whose elements are strings, numbers, true, false or null.");
                }

                size += Encoding.UTF8.GetByteCount(value.StringValue);
                break;
            case "Binary":
                if (value.BinaryBytes is null)
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' with type 'Binary' must use field 'Binary'.");
                }

                if (value.BinaryBytes.Length == 0)
                {
                    throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' must contain non-empty message attribute value for message attribute type 'Binary'.");
                }

                size += value.BinaryBytes.Length;
                break;
            default:
                throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, $"The message attribute '{name}' has an invalid message attribute type '{type}'; SNS supports String, String.Array, Number and Binary.");
        }

        return size;
    }

    private static void ValidateAttributeName(string name)
    {
        string? problem = null;
        if (name.Length == 0)
        {
            problem = "Message attribute name can not be empty.";
        }
        else if (name.Length > 256)
        {
            problem = "Length of message attribute name must be less than 256 bytes.";
        }
        else if (name[0] == '.')
        {
            problem = "Invalid message attribute name starting with character '.' was found.";
        }
        else if (name[^1] == '.')
        {
            problem = "Invalid message attribute name ending with character '.' was found.";
        }
        else if (name.Contains("..", StringComparison.Ordinal))
        {
            problem = "Message attribute name can not have successive '.' character.";
        }
        else if (name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase))
        {
            problem = $"Message attribute name '{name}' is reserved: names starting with 'AWS.' or 'Amazon.' are for AWS.";
        }
        else
        {
            foreach (var c in name)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                {
                    problem = $"Invalid non-alphanumeric character '#x{(int)c:X}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.";
                    break;
                }
            }
        }

        if (problem is not null)
        {
            throw new BrokerException(BrokerErrorCodes.ParameterValueInvalid, problem);
        }
    }

    private static bool IsStringArray(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    return false;
                }
            }

            return true;
        }
        // JsonDocument.Parse(string) throws ArgumentException, not JsonException, for a lone surrogate.
        catch (Exception error) when (error is JsonException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>An immutable copy of a publish's attributes, with ordinal lookups (what a <see cref="PublishedMessage"/> keeps).</summary>
    public static IReadOnlyDictionary<string, MessageAttributeValue> Copy(IReadOnlyDictionary<string, MessageAttributeValue>? attributes) =>
        attributes switch
        {
            null or { Count: 0 } => PublishedMessage.Empty,
            { Count: <= SmallAttributeMap.MaxCount } => new SmallAttributeMap(attributes),
            _ => new Dictionary<string, MessageAttributeValue>(attributes, StringComparer.Ordinal),
        };
}
