using System.Text;
using Broker.Queues;
using Broker.Topics;

namespace Broker.Tests.Topics;

public sealed class PublishValidationTests : TopicFixture
{
    private const int Limit = 262_144;

    private static PublishRequest WithAttribute(string name, MessageAttributeValue value, string body = "body") =>
        new(body) { MessageAttributes = new Dictionary<string, MessageAttributeValue> { [name] = value } };

    [Fact]
    public async Task An_empty_message_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, Message(""));

        Assert.Equal("Invalid parameter: Empty message", error.Message);
    }

    [Fact]
    public async Task A_message_of_exactly_262144_bytes_is_published_and_delivered()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue, new SubscriptionOptions { RawMessageDelivery = true });

        await topic.PublishAsync(Message(new string('x', Limit)));

        Assert.Equal(Limit, Assert.Single(await DrainBodies(queue)).Length);
    }

    [Fact]
    public async Task A_message_one_byte_over_262144_is_rejected_as_too_long()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, Message(new string('x', Limit + 1)));

        Assert.StartsWith("Invalid parameter: Message too long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_size_limit_counts_utf8_bytes_not_characters()
    {
        var topic = Broker.CreateTopic("t");
        var twoByteChars = new string('é', Limit / 2);
        Assert.Equal(Limit, Encoding.UTF8.GetByteCount(twoByteChars));

        await topic.PublishAsync(Message(twoByteChars));
        var error = await PublishFails(topic, Message(twoByteChars + "x"));

        Assert.StartsWith("Invalid parameter: Message too long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attribute_names_types_and_values_count_toward_the_size_limit()
    {
        var topic = Broker.CreateTopic("t");

        // "name" (4) + "String" (6) + "value" (5) = 15 bytes of attribute.
        await topic.PublishAsync(WithAttribute("name", MessageAttributeValue.FromString("value"), new string('x', Limit - 15)));
        var error = await PublishFails(topic, WithAttribute("name", MessageAttributeValue.FromString("value"), new string('x', Limit - 14)));

        Assert.StartsWith("Invalid parameter: Message too long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_attribute_bytes_count_toward_the_size_limit()
    {
        var topic = Broker.CreateTopic("t");

        // "b" (1) + "Binary" (6) + 100 bytes.
        await topic.PublishAsync(WithAttribute("b", MessageAttributeValue.FromBinary(new byte[100]), new string('x', Limit - 107)));
        await PublishFails(topic, WithAttribute("b", MessageAttributeValue.FromBinary(new byte[101]), new string('x', Limit - 107)));
    }

    [Theory]
    [InlineData("A")]
    [InlineData("Order shipped: #42 (express)!")]
    [InlineData("~tilde first")]
    public async Task A_printable_ascii_subject_is_accepted(string subject)
    {
        var topic = Broker.CreateTopic("t");

        await topic.PublishAsync(new PublishRequest("body") { Subject = subject });
    }

    [Fact]
    public async Task A_subject_may_have_100_characters_but_not_101()
    {
        var topic = Broker.CreateTopic("t");

        await topic.PublishAsync(new PublishRequest("body") { Subject = new string('s', 100) });
        var error = await PublishFails(topic, new PublishRequest("body") { Subject = new string('s', 101) });

        Assert.StartsWith("Invalid parameter: Subject", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    [InlineData("carriage\rreturn")]
    [InlineData("tab\tinside")]
    [InlineData(" leading space")]
    [InlineData("caf\u00e9")]
    [InlineData("bell\u0007")]
    public async Task A_subject_that_is_empty_has_line_breaks_control_or_non_ascii_characters_or_starts_with_a_space_is_rejected(string subject)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, new PublishRequest("body") { Subject = subject });

        Assert.StartsWith("Invalid parameter: Subject", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".start", "Invalid message attribute name starting with character '.' was found.")]
    [InlineData("end.", "Invalid message attribute name ending with character '.' was found.")]
    [InlineData("two..dots", "Message attribute name can not have successive '.' character.")]
    public async Task An_attribute_name_with_misplaced_dots_is_rejected_with_sns_message(string name, string expected)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute(name, MessageAttributeValue.FromString("v")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Equal(expected, error.Message);
    }

    [Theory]
    [InlineData("a^b", "#x5E")]
    [InlineData("a b", "#x20")]
    [InlineData("a/b", "#x2F")]
    public async Task An_attribute_name_with_another_character_is_rejected_naming_it_in_hex(string name, string hex)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute(name, MessageAttributeValue.FromString("v")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.StartsWith($"Invalid non-alphanumeric character '{hex}' was found in the message attribute name.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attribute_name_may_have_256_characters_but_not_257()
    {
        var topic = Broker.CreateTopic("t");

        await topic.PublishAsync(WithAttribute(new string('n', 256), MessageAttributeValue.FromString("v")));
        var error = await PublishFails(topic, WithAttribute(new string('n', 257), MessageAttributeValue.FromString("v")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Equal("Length of message attribute name must be less than 256 bytes.", error.Message);
    }

    [Theory]
    [InlineData("AWS.trace")]
    [InlineData("Amazon.trace")]
    public async Task An_attribute_name_with_a_reserved_prefix_is_rejected(string name)
    {
        var topic = Broker.CreateTopic("t");

        await PublishFails(topic, WithAttribute(name, MessageAttributeValue.FromString("v")), BrokerErrorCodes.ParameterValueInvalid);
    }

    [Fact]
    public async Task Attribute_names_of_letters_digits_hyphens_underscores_and_inner_dots_are_accepted()
    {
        var topic = Broker.CreateTopic("t");

        await topic.PublishAsync(WithAttribute("Order_id-2.v1", MessageAttributeValue.FromString("v")));
    }

    [Fact]
    public async Task An_attribute_of_each_sns_type_is_accepted()
    {
        var topic = Broker.CreateTopic("t");

        await topic.PublishAsync(new PublishRequest("body")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["s"] = MessageAttributeValue.FromString("text"),
                ["a"] = MessageAttributeValue.FromString("[\"x\", 1, true, false, null]", "String.Array"),
                ["n"] = MessageAttributeValue.FromNumber("-99.12"),
                ["b"] = MessageAttributeValue.FromBinary([1, 2, 3]),
            },
        });
    }

    [Fact]
    public async Task A_number_attribute_given_as_binary_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromBinary([1], "Number")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Equal("The message attribute 'attr1' with type 'Number' must use field 'String'.", error.Message);
    }

    [Fact]
    public async Task A_binary_attribute_given_as_a_string_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromString("AQI=", "Binary")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Equal("The message attribute 'attr1' with type 'Binary' must use field 'Binary'.", error.Message);
    }

    [Fact]
    public async Task An_empty_string_attribute_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromString("")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Equal("The message attribute 'attr1' must contain non-empty message attribute value for message attribute type 'String'.", error.Message);
    }

    [Fact]
    public async Task An_empty_binary_attribute_is_rejected()
    {
        var topic = Broker.CreateTopic("t");

        await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromBinary([])), BrokerErrorCodes.ParameterValueInvalid);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1,5")]
    [InlineData("12x")]
    public async Task A_number_attribute_that_is_not_a_number_is_rejected(string value)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromNumber(value)), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Contains("'attr1'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"a\":1}")]
    [InlineData("\"text\"")]
    [InlineData("[{\"a\":1}]")]
    [InlineData("[[1]]")]
    public async Task A_string_array_attribute_that_is_not_a_json_array_of_scalars_is_rejected(string value)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromString(value, "String.Array")), BrokerErrorCodes.ParameterValueInvalid);

        Assert.Contains("'attr1'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Text")]
    [InlineData("Integer")]
    [InlineData("string")]
    public async Task An_attribute_type_sns_does_not_support_is_rejected(string type)
    {
        var topic = Broker.CreateTopic("t");

        await PublishFails(topic, WithAttribute("attr1", MessageAttributeValue.FromString("v", type)), BrokerErrorCodes.ParameterValueInvalid);
    }

    [Fact]
    public async Task An_attribute_without_a_value_is_rejected()
    {
        var topic = Broker.CreateTopic("t");

        await PublishFails(topic, WithAttribute("attr1", null!), BrokerErrorCodes.ParameterValueInvalid);
    }

    [Fact]
    public async Task A_json_structure_without_a_default_entry_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, new PublishRequest("{\"sqs\":\"only sqs\"}") { MessageStructure = "json" });

        Assert.Equal("Invalid parameter: Message Structure - No default entry in JSON message body", error.Message);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"default\":\"unterminated}")]
    public async Task A_json_structure_that_does_not_parse_is_rejected_with_sns_message(string message)
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, new PublishRequest(message) { MessageStructure = "json" });

        Assert.Equal("Invalid parameter: Message Structure - JSON message body failed to parse", error.Message);
    }

    [Fact]
    public async Task A_message_structure_other_than_json_is_rejected()
    {
        var topic = Broker.CreateTopic("t");

        await PublishFails(topic, new PublishRequest("{\"default\":\"d\"}") { MessageStructure = "xml" });
    }

    [Fact]
    public async Task A_fifo_publish_without_a_message_group_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });

        var error = await PublishFails(topic, Message("body"));

        Assert.Equal("Invalid parameter: The MessageGroupId parameter is required for FIFO topics", error.Message);
    }

    [Fact]
    public async Task A_fifo_publish_without_a_deduplication_id_on_a_topic_without_content_based_deduplication_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true });

        var error = await PublishFails(topic, new PublishRequest("body") { MessageGroupId = "g" });

        Assert.Equal(
            "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
            error.Message);
    }

    [Fact]
    public async Task A_fifo_publish_without_a_deduplication_id_is_accepted_with_content_based_deduplication()
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });

        var result = await topic.PublishAsync(new PublishRequest("body") { MessageGroupId = "g" });

        Assert.NotNull(result.SequenceNumber);
    }

    [Fact]
    public async Task A_deduplication_id_on_a_standard_topic_is_rejected_with_sns_message()
    {
        var topic = Broker.CreateTopic("t");

        var error = await PublishFails(topic, new PublishRequest("body") { MessageDeduplicationId = "d" });

        Assert.Equal(
            "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
            error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task A_message_group_id_outside_printable_ascii_is_rejected(string groupId)
    {
        var topic = Broker.CreateTopic("t.fifo", new TopicOptions { FifoTopic = true, ContentBasedDeduplication = true });

        await PublishFails(topic, new PublishRequest("body") { MessageGroupId = groupId });
        await PublishFails(topic, new PublishRequest("body") { MessageGroupId = new string('g', 129) });
    }

    [Fact]
    public async Task A_rejected_publish_delivers_nothing()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        await PublishFails(topic, WithAttribute(".bad", MessageAttributeValue.FromString("v")), BrokerErrorCodes.ParameterValueInvalid);
        await PublishFails(topic, Message(""));

        Assert.Empty(await DrainBodies(queue));
    }

    [Fact]
    public async Task A_cancelled_publish_is_not_accepted()
    {
        var topic = Broker.CreateTopic("t");
        var queue = Broker.CreateQueue("q");
        topic.Subscribe(queue);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await topic.PublishAsync(Message("m"), new CancellationToken(canceled: true)));

        Assert.Empty(await DrainBodies(queue));
    }
}
