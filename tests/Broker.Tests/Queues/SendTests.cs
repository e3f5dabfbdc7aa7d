using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Broker.Queues;

namespace Broker.Tests.Queues;

/// <summary>SendMessage and SendMessageBatch on a standard queue: body, size, attributes, digests, delays, identifiers and batch rules (sqs.md §1.3, §1.4, §1.12, §1.15).</summary>
public sealed class SendTests : QueueFixture
{
    private const int OneMiB = 1_048_576;

    // ---------------------------------------------------------------- body

    [Fact]
    public async Task An_empty_body_is_refused_with_MissingParameter()
    {
        var queue = Broker.CreateQueue("q");

        var error = await SendRefused(queue, BrokerErrorCodes.MissingParameter, new SendMessageRequest(string.Empty));

        Assert.Contains("MessageBody", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_empty_byte_body_is_refused_with_MissingParameter()
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.MissingParameter, new SendMessageRequest(ReadOnlyMemory<byte>.Empty));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("\t")]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData(" ")]
    [InlineData("line one\r\n\tline two")]
    [InlineData("\u007F\u0080\u00FF")]
    [InlineData("\u007F")]
    [InlineData(" ~\u007F")]
    [InlineData("\uD7FF")]
    [InlineData("\uE000")]
    [InlineData("\uFFFD")]
    [InlineData("\U0001F600")]
    [InlineData("\U0010FFFF")]
    public async Task A_body_of_allowed_characters_is_accepted_and_received_unchanged(string body)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(body);

        var got = await ReceiveOne(queue);
        Assert.Equal(body, got.GetBodyAsString());
        Assert.Equal(Encoding.UTF8.GetBytes(body), got.Body.ToArray());
    }

    [Theory]
    [InlineData('a', 1_024, "")]
    [InlineData('a', 1_025, "")]
    [InlineData('a', 1_023, "\u00E9")] // not ASCII in its last character, inside the length narrowed without a check
    [InlineData('a', 1_024, "\u00E9")] // the same past it
    [InlineData('\u00E9', 1_025, "")]
    [InlineData('\u007F', 2_000, "\t")]
    public async Task A_string_body_short_or_long_ASCII_or_not_is_stored_as_its_UTF8(char fill, int length, string last)
    {
        var queue = Broker.CreateQueue("q");
        var body = new string(fill, length) + last;

        await queue.SendAsync(body);

        var got = await ReceiveOne(queue);
        Assert.Equal(Encoding.UTF8.GetBytes(body), got.Body.ToArray());
    }

    [Theory]
    [InlineData("00")] // U+0000
    [InlineData("01")] // U+0001
    [InlineData("08")] // U+0008
    [InlineData("0B")] // U+000B vertical tab
    [InlineData("0C")] // U+000C form feed
    [InlineData("1F")] // U+001F
    [InlineData("EFBFBE")] // U+FFFE
    [InlineData("EFBFBF")] // U+FFFF
    [InlineData("EDA080")] // an unpaired surrogate, U+D800
    [InlineData("EDBFBF")] // an unpaired surrogate, U+DFFF
    [InlineData("C328")] // invalid UTF-8: a lead byte followed by '('
    [InlineData("FF")] // never valid in UTF-8
    [InlineData("C0AF")] // overlong encoding of '/'
    public async Task A_body_with_a_disallowed_character_or_invalid_UTF8_is_refused_with_InvalidMessageContents(string badHex)
    {
        var queue = Broker.CreateQueue("q");
        byte[] body = [.. "ok"u8, .. Convert.FromHexString(badHex), .. "ok"u8];

        await SendRefused(queue, BrokerErrorCodes.InvalidMessageContents, new SendMessageRequest(body));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x0001)]
    [InlineData(0x000B)]
    [InlineData(0x001F)]
    [InlineData(0xFFFE)]
    [InlineData(0xFFFF)]
    public async Task A_string_body_with_a_disallowed_character_is_refused_with_InvalidMessageContents(int codePoint)
    {
        var queue = Broker.CreateQueue("q");
        var body = "before" + char.ConvertFromUtf32(codePoint) + "after";

        await SendRefused(queue, BrokerErrorCodes.InvalidMessageContents, new SendMessageRequest(body));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task The_body_is_copied_so_changing_the_callers_array_after_the_send_does_not_change_the_message()
    {
        var queue = Broker.CreateQueue("q");
        var array = Encoding.UTF8.GetBytes("original");

        var sent = await queue.SendAsync(new SendMessageRequest(array.AsMemory()));
        Array.Fill(array, (byte)'X');

        var got = await ReceiveOne(queue);
        Assert.Equal("original", got.GetBodyAsString());
        Assert.Equal(Md5Hex(Encoding.UTF8.GetBytes("original")), got.MD5OfBody);
        Assert.Equal(Md5Hex(Encoding.UTF8.GetBytes("original")), sent.MD5OfMessageBody);
    }

    [Fact]
    public async Task A_batch_entry_body_is_copied_so_changing_the_callers_array_after_the_send_does_not_change_the_message()
    {
        var queue = Broker.CreateQueue("q");
        var array = Encoding.UTF8.GetBytes("original");

        await queue.SendBatchAsync([new SendMessageBatchEntry("a", array.AsMemory())]);
        Array.Fill(array, (byte)'X');

        var got = await ReceiveOne(queue);
        Assert.Equal("original", got.GetBodyAsString());
    }

    // ---------------------------------------------------------------- size

    [Fact]
    public async Task A_body_of_exactly_MaximumMessageSize_bytes_is_accepted()
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(new string('a', OneMiB));

        Assert.Equal((1, 0, 0), Counts(queue));
        var got = await ReceiveOne(queue);
        Assert.Equal(OneMiB, got.Body.Length);
    }

    [Fact]
    public async Task A_body_one_byte_over_MaximumMessageSize_is_refused_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("q");

        var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest(new string('a', OneMiB + 1)));

        Assert.Contains("Message must be shorter than 1048576 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task The_size_limit_follows_the_queues_MaximumMessageSize()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { MaximumMessageSize = 1024 });

        await queue.SendAsync(new string('a', 1024));
        var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest(new string('a', 1025)));

        Assert.Contains("Message must be shorter than 1024 bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task The_size_limit_counts_UTF8_bytes_not_characters()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { MaximumMessageSize = 1024 });

        await queue.SendAsync(new string('é', 512)); // 1024 bytes
        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest(new string('é', 513))); // 513 characters, 1026 bytes

        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("ab", "String", 16, true)] // 1000 + 2 + 6 + 16 = 1024
    [InlineData("ab", "String", 17, false)] // the value counts
    [InlineData("abc", "String", 16, false)] // the name counts
    [InlineData("ab", "String.x", 16, false)] // the data type counts
    [InlineData("ab", "String.x", 14, true)]
    public async Task Message_attributes_count_toward_the_size_limit(string name, string dataType, int valueLength, bool accepted)
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { MaximumMessageSize = 1024 });
        var request = new SendMessageRequest(new string('x', 1000))
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { [name] = MessageAttributeValue.FromString(new string('v', valueLength), dataType) },
        };

        if (accepted)
        {
            await queue.SendAsync(request);
            Assert.Equal((1, 0, 0), Counts(queue));
        }
        else
        {
            var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, request);
            Assert.Contains("Message must be shorter than 1024 bytes", error.Message, StringComparison.Ordinal);
            Assert.Equal((0, 0, 0), Counts(queue));
        }
    }

    [Theory]
    [InlineData(17, true)] // 1000 + "b" + "Binary" + 17 = 1024
    [InlineData(18, false)]
    public async Task Binary_attribute_bytes_count_toward_the_size_limit(int valueLength, bool accepted)
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { MaximumMessageSize = 1024 });
        var request = new SendMessageRequest(new string('x', 1000))
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["b"] = MessageAttributeValue.FromBinary(new byte[valueLength]) },
        };

        if (accepted)
        {
            await queue.SendAsync(request);
            Assert.Equal((1, 0, 0), Counts(queue));
        }
        else
        {
            await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, request);
            Assert.Equal((0, 0, 0), Counts(queue));
        }
    }

    // ---------------------------------------------------------------- MD5 of the body

    [Theory]
    [InlineData("hello")]
    [InlineData("Grüße, wörld \U0001F600")]
    [InlineData("\t\r\n")]
    public async Task MD5OfMessageBody_is_the_lowercase_hex_MD5_of_the_UTF8_body(string body)
    {
        var queue = Broker.CreateQueue("q");
        var expected = Md5Hex(Encoding.UTF8.GetBytes(body));

        var sent = await queue.SendAsync(body);

        Assert.Equal(expected, sent.MD5OfMessageBody);
        Assert.Matches("^[0-9a-f]{32}$", sent.MD5OfMessageBody);
        var got = await ReceiveOne(queue);
        Assert.Equal(expected, got.MD5OfBody);
    }

    [Fact]
    public async Task MD5OfMessageBody_matches_the_AWS_documentation_example()
    {
        // AWS SQS Developer Guide, SendMessage example: "This is a test message" -> fafb00f5732ab283681e124bf8747ed1.
        var queue = Broker.CreateQueue("q");

        var sent = await queue.SendAsync("This is a test message");

        Assert.Equal("fafb00f5732ab283681e124bf8747ed1", sent.MD5OfMessageBody);
    }

    // ---------------------------------------------------------------- MD5 of the attributes

    [Fact]
    public async Task MD5OfMessageAttributes_of_a_String_attribute_follows_the_SQS_algorithm()
    {
        await AssertAttributeDigest(new Dictionary<string, MessageAttributeValue>
        {
            ["greeting"] = MessageAttributeValue.FromString("héllo wörld"),
        });
    }

    [Fact]
    public async Task MD5OfMessageAttributes_of_a_Number_attribute_follows_the_SQS_algorithm()
    {
        await AssertAttributeDigest(new Dictionary<string, MessageAttributeValue>
        {
            ["count"] = MessageAttributeValue.FromNumber("-1.5E3"),
        });
    }

    [Fact]
    public async Task MD5OfMessageAttributes_of_a_Binary_attribute_follows_the_SQS_algorithm()
    {
        await AssertAttributeDigest(new Dictionary<string, MessageAttributeValue>
        {
            ["blob"] = MessageAttributeValue.FromBinary([0x00, 0x01, 0x7F, 0x80, 0xFF]),
        });
    }

    [Fact]
    public async Task MD5OfMessageAttributes_of_custom_types_follows_the_SQS_algorithm()
    {
        await AssertAttributeDigest(new Dictionary<string, MessageAttributeValue>
        {
            ["n"] = MessageAttributeValue.FromNumber("42", "Number.int"),
            ["p"] = MessageAttributeValue.FromBinary([0x89, 0x50, 0x4E, 0x47], "Binary.png"),
            ["s"] = MessageAttributeValue.FromString("{}", "String.json"),
        });
    }

    [Fact]
    public async Task MD5OfMessageAttributes_sorts_the_attributes_by_name_ordinally()
    {
        // Insertion order is not the ordinal order; ordinal puts upper case and '_' before lower case.
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["b"] = MessageAttributeValue.FromString("1"),
            ["a"] = MessageAttributeValue.FromString("2"),
            ["_x"] = MessageAttributeValue.FromNumber("3"),
            ["C"] = MessageAttributeValue.FromBinary([4]),
            ["a1"] = MessageAttributeValue.FromString("5"),
        };
        var queue = Broker.CreateQueue("q");

        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = attributes });

        Assert.Equal(ReferenceMd5OfAttributes(attributes.OrderBy(p => p.Key, StringComparer.Ordinal)), sent.MD5OfMessageAttributes);
        Assert.NotEqual(ReferenceMd5OfAttributes(attributes), sent.MD5OfMessageAttributes);
        Assert.NotEqual(ReferenceMd5OfAttributes(attributes.OrderBy(p => p.Key, StringComparer.InvariantCulture)), sent.MD5OfMessageAttributes);
    }

    [Theory]
    [InlineData("aws-api-reference-sendmessagebatch", "ba056227cfd9533dba1f72ad9816d233")]
    [InlineData("two-strings", "d53f3b558fe951154770f25cb63dbba9")]
    [InlineData("binary", "23f6bd27ea87aab7dfeadcc9aebee495")]
    [InlineData("custom-number", "9fe1b90bbd9965bdf77bac517c7d2495")]
    [InlineData("string-number-binary", "c932db14a896c663f83c260297d594ff")]
    [InlineData("number-and-string", "d21ae90c49061e927f57df5f5d72be1f")]
    public async Task MD5OfMessageAttributes_matches_published_test_vectors(string vector, string expected)
    {
        var queue = Broker.CreateQueue("q");
        var attributes = KnownVector(vector);

        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = attributes });

        Assert.Equal(expected, sent.MD5OfMessageAttributes);
        Assert.Equal(expected, ReferenceMd5OfAttributes(attributes.OrderBy(p => p.Key, StringComparer.Ordinal)));
    }

    [Fact]
    public async Task A_batch_reproduces_the_AWS_SendMessageBatch_example_digests()
    {
        // AWS SQS API Reference, SendMessageBatch, query-protocol sample request and response.
        var queue = Broker.CreateQueue("q");

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("test_msg_001", "test message body 1"),
            new SendMessageBatchEntry("test_msg_002", "test message body 2")
            {
                DelaySeconds = 60,
                MessageAttributes = new Dictionary<string, MessageAttributeValue> { ["test_attribute_name_1"] = MessageAttributeValue.FromString("test_attribute_value_1") },
            },
        ]);

        Assert.Empty(result.Failed);
        Assert.Equal(["test_msg_001", "test_msg_002"], result.Successful.Select(e => e.Id));
        Assert.Equal("0e024d309850c78cba5eabbeff7cae71", result.Successful[0].MD5OfMessageBody);
        Assert.Null(result.Successful[0].MD5OfMessageAttributes);
        Assert.Equal("7fb8146a82f95e0af155278f406862c2", result.Successful[1].MD5OfMessageBody);
        Assert.Equal("ba056227cfd9533dba1f72ad9816d233", result.Successful[1].MD5OfMessageAttributes);
        Assert.Equal((1, 0, 1), Counts(queue));
    }

    [Fact]
    public async Task MD5OfMessageAttributes_is_null_without_attributes()
    {
        var queue = Broker.CreateQueue("q");

        var none = await queue.SendAsync(new SendMessageRequest("m"));
        var empty = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = new Dictionary<string, MessageAttributeValue>() });
        var groupOnly = await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = "tenant" });

        Assert.Null(none.MD5OfMessageAttributes);
        Assert.Null(empty.MD5OfMessageAttributes);
        Assert.Null(groupOnly.MD5OfMessageAttributes);
    }

    [Fact]
    public async Task On_receive_MD5OfMessageAttributes_covers_all_attributes_when_all_are_asked_for()
    {
        var queue = Broker.CreateQueue("q");
        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = ThreeAttributes() });
        Assert.NotNull(sent.MD5OfMessageAttributes);

        var got = await ReceiveWithAttributes(queue, ["All"]);

        Assert.Equal(sent.MD5OfMessageAttributes, got.MD5OfMessageAttributes);
    }

    [Fact]
    public async Task On_receive_MD5OfMessageAttributes_is_null_when_no_attributes_are_asked_for()
    {
        var queue = Broker.CreateQueue("q");
        await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = ThreeAttributes() });

        var got = await ReceiveOne(queue);

        Assert.Empty(got.MessageAttributes);
        Assert.Null(got.MD5OfMessageAttributes);
    }

    [Fact]
    public async Task On_receive_MD5OfMessageAttributes_covers_only_the_attributes_returned()
    {
        var queue = Broker.CreateQueue("q");
        var attributes = ThreeAttributes();
        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = attributes });

        var got = await ReceiveWithAttributes(queue, ["color"]);

        Assert.Equal(["color"], got.MessageAttributes.Keys);
        Assert.Equal(ReferenceMd5OfAttributes(attributes.Where(p => p.Key == "color")), got.MD5OfMessageAttributes);
        Assert.NotEqual(sent.MD5OfMessageAttributes, got.MD5OfMessageAttributes);
    }

    // ---------------------------------------------------------------- message attributes

    [Fact]
    public async Task Ten_message_attributes_are_accepted()
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = Attributes(10) });

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal(10, got.MessageAttributes.Count);
    }

    [Fact]
    public async Task Eleven_message_attributes_are_refused_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest("m") { MessageAttributes = Attributes(11) });

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_attribute_name_of_256_characters_is_accepted()
    {
        var queue = Broker.CreateQueue("q");
        var name = new string('n', 256);

        await queue.SendAsync(WithAttribute(name, MessageAttributeValue.FromString("v")));

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal([name], got.MessageAttributes.Keys);
    }

    [Fact]
    public async Task An_attribute_name_of_257_characters_is_refused_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute(new string('n', 257), MessageAttributeValue.FromString("v")));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("Az09_-.x")]
    [InlineData("order.id")]
    [InlineData("a.b.c")]
    [InlineData("AWSome")]
    [InlineData("Amazonian")]
    [InlineData("x.AWS.y")]
    public async Task Attribute_names_of_letters_digits_underscore_hyphen_and_single_inner_dots_are_accepted(string name)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(WithAttribute(name, MessageAttributeValue.FromString("v")));

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal([name], got.MessageAttributes.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a:b")]
    [InlineData("a*")]
    [InlineData("a$b")]
    [InlineData("é")]
    [InlineData("a\tb")]
    public async Task Attribute_names_with_characters_outside_letters_digits_underscore_hyphen_and_dot_are_refused(string name)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute(name, MessageAttributeValue.FromString("v")));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("AWS.x")]
    [InlineData("aws.x")]
    [InlineData("Aws.x")]
    [InlineData("Amazon.x")]
    [InlineData("amazon.x")]
    [InlineData("AMAZON.x")]
    public async Task Attribute_names_starting_with_AWS_or_Amazon_in_any_casing_are_refused(string name)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute(name, MessageAttributeValue.FromString("v")));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a..b")]
    [InlineData(".")]
    public async Task Attribute_names_with_a_leading_or_trailing_dot_or_two_dots_in_a_row_are_refused(string name)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute(name, MessageAttributeValue.FromString("v")));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("String")]
    [InlineData("Number")]
    [InlineData("String.json")]
    [InlineData("Number.int")]
    [InlineData("Number.float")]
    public async Task String_and_Number_data_types_with_or_without_a_custom_suffix_are_accepted(string dataType)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(WithAttribute("a", MessageAttributeValue.FromString("1", dataType)));

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal(dataType, got.MessageAttributes["a"].DataType);
    }

    [Theory]
    [InlineData("Binary")]
    [InlineData("Binary.png")]
    [InlineData("Binary.gzip")]
    public async Task Binary_data_types_with_or_without_a_custom_suffix_are_accepted(string dataType)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(WithAttribute("a", MessageAttributeValue.FromBinary([1, 2, 3], dataType)));

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal(dataType, got.MessageAttributes["a"].DataType);
    }

    [Theory]
    [InlineData("Str")]
    [InlineData("string")]
    [InlineData("STRING")]
    [InlineData("number")]
    [InlineData("Number.")]
    [InlineData("String.")]
    [InlineData("Integer")]
    [InlineData("StringX")]
    [InlineData("")]
    public async Task Unknown_data_types_are_refused_with_InvalidParameterValue(string dataType)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("a", MessageAttributeValue.FromString("1", dataType)));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_empty_String_value_is_refused_as_needing_a_non_empty_value()
    {
        var queue = Broker.CreateQueue("q");

        var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("a", MessageAttributeValue.FromString(string.Empty)));

        Assert.Contains("must contain a non-empty value", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_empty_Number_value_is_refused_as_needing_a_non_empty_value()
    {
        var queue = Broker.CreateQueue("q");

        var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("a", MessageAttributeValue.FromNumber(string.Empty)));

        Assert.Contains("must contain a non-empty value", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_empty_Binary_value_is_refused_as_needing_a_non_empty_value()
    {
        var queue = Broker.CreateQueue("q");

        var error = await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("a", MessageAttributeValue.FromBinary([])));

        Assert.Contains("must contain a non-empty value", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("-1.5")]
    [InlineData("1.5E3")]
    [InlineData("0.000")]
    [InlineData("0")]
    [InlineData("12345678901234567890123456789012345678")] // 38 significant digits
    [InlineData("-1234567890.1234567890123456789012345678")] // 38 significant digits around a point
    [InlineData("1E126")]
    [InlineData("1E-128")]
    public async Task Number_values_within_38_digits_and_the_SQS_range_are_accepted(string value)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(WithAttribute("n", MessageAttributeValue.FromNumber(value)));

        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal("Number", got.MessageAttributes["n"].DataType);
    }

    [Theory]
    [InlineData("123456789012345678901234567890123456789")] // 39 significant digits
    [InlineData("1.23456789012345678901234567890123456789")] // 39 significant digits
    [InlineData("abc")]
    [InlineData("1e")]
    [InlineData("1E127")]
    [InlineData("1E-129")]
    [InlineData("1.2.3")]
    [InlineData("--1")]
    [InlineData("1 ")]
    [InlineData(".")]
    public async Task Number_values_that_are_not_numbers_or_exceed_38_digits_or_the_SQS_range_are_refused(string value)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("n", MessageAttributeValue.FromNumber(value)));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Custom_Number_types_are_validated_as_numbers()
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, WithAttribute("n", MessageAttributeValue.FromNumber("abc", "Number.int")));

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task Received_attributes_equal_what_was_sent_when_all_are_asked_for()
    {
        var queue = Broker.CreateQueue("q");
        var sent = new Dictionary<string, MessageAttributeValue>
        {
            ["s"] = MessageAttributeValue.FromString("héllo \U0001F600"),
            ["n"] = MessageAttributeValue.FromNumber("1.5E3"),
            ["i"] = MessageAttributeValue.FromNumber("42", "Number.int"),
            ["b"] = MessageAttributeValue.FromBinary([0x00, 0x01, 0xFE, 0xFF]),
            ["p"] = MessageAttributeValue.FromBinary([0x89, 0x50], "Binary.png"),
        };
        await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = sent });

        var got = await ReceiveWithAttributes(queue, ["All"]);

        Assert.Equal(sent.Keys.Order(StringComparer.Ordinal), got.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in sent)
        {
            var received = got.MessageAttributes[name];
            Assert.Equal(value.DataType, received.DataType);
            Assert.Equal(value.StringValue, received.StringValue);
            Assert.Equal(value.BinaryValue?.ToArray(), received.BinaryValue?.ToArray());
        }

        Assert.Equal("héllo \U0001F600", got.MessageAttributes["s"].StringValue);
        Assert.Equal(new byte[] { 0x00, 0x01, 0xFE, 0xFF }, got.MessageAttributes["b"].BinaryValue?.ToArray());
    }

    [Fact]
    public async Task A_received_Binary_attribute_has_no_StringValue_and_a_String_or_Number_attribute_has_no_BinaryValue()
    {
        var queue = Broker.CreateQueue("q");
        await queue.SendAsync(new SendMessageRequest("m")
        {
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["s"] = MessageAttributeValue.FromString("text"),
                ["n"] = MessageAttributeValue.FromNumber("7"),
                ["b"] = MessageAttributeValue.FromBinary([1, 2]),
            },
        });

        var got = await ReceiveWithAttributes(queue, ["All"]);

        Assert.Null(got.MessageAttributes["b"].StringValue);
        Assert.Null(got.MessageAttributes["s"].BinaryValue);
        Assert.Null(got.MessageAttributes["n"].BinaryValue);
    }

    // ---------------------------------------------------------------- MessageGroupId on a standard queue

    [Theory]
    [InlineData("a")]
    [InlineData("tenant-42")]
    [InlineData("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")]
    [InlineData("ABCxyz0189")]
    public async Task A_valid_MessageGroupId_is_accepted_and_returned_as_a_system_attribute(string groupId)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = groupId });

        var got = await ReceiveWithAttributes(queue, systemAttributeNames: [MessageSystemAttributeNames.All]);
        Assert.Equal(groupId, got.Attributes[MessageSystemAttributeNames.MessageGroupId]);
    }

    [Fact]
    public async Task A_MessageGroupId_of_128_characters_is_accepted()
    {
        var queue = Broker.CreateQueue("q");
        var groupId = new string('g', 128);

        await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = groupId });

        var got = await ReceiveWithAttributes(queue, systemAttributeNames: [MessageSystemAttributeNames.MessageGroupId]);
        Assert.Equal(groupId, got.Attributes[MessageSystemAttributeNames.MessageGroupId]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData(" ")]
    [InlineData("tab\there")]
    public async Task An_empty_or_non_punctuation_MessageGroupId_is_refused_with_InvalidParameterValue(string groupId)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest("m") { MessageGroupId = groupId });

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_MessageGroupId_of_129_characters_is_refused_with_InvalidParameterValue()
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest("m") { MessageGroupId = new string('g', 129) });

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- DelaySeconds

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(900)]
    public async Task Per_message_DelaySeconds_from_0_to_900_is_accepted(int delaySeconds)
    {
        var queue = Broker.CreateQueue("q");

        await queue.SendAsync(new SendMessageRequest("m") { DelaySeconds = delaySeconds });

        Assert.Equal(delaySeconds == 0 ? (1, 0, 0) : (0, 0, 1), Counts(queue));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(901)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public async Task Per_message_DelaySeconds_outside_0_to_900_is_refused_with_InvalidParameterValue(int delaySeconds)
    {
        var queue = Broker.CreateQueue("q");

        await SendRefused(queue, BrokerErrorCodes.InvalidParameterValue, new SendMessageRequest("m") { DelaySeconds = delaySeconds });

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_delayed_message_is_received_in_the_slot_its_delay_held_and_its_handle_works()
    {
        var queue = Broker.CreateQueue("q");
        for (var i = 0; i < 20; i++)
        {
            await queue.SendAsync(new SendMessageRequest($"later-{i}") { DelaySeconds = 5 });
        }

        var tracked = ((Broker.Queues.Internal.MessageQueue)queue).SlotHighWater;
        Time.Advance(TimeSpan.FromSeconds(5));
        var received = await ReceiveAll(queue);

        Assert.Equal(20, received.Count);
        Assert.Equal(tracked, ((Broker.Queues.Internal.MessageQueue)queue).SlotHighWater);
        await queue.ChangeVisibilityAsync(received[0].ReceiptHandle, TimeSpan.FromSeconds(60));
        foreach (var message in received)
        {
            await queue.DeleteAsync(message.ReceiptHandle);
        }

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(900)]
    public async Task A_delayed_message_counts_as_delayed_and_is_receivable_only_once_its_delay_has_passed(int delaySeconds)
    {
        var queue = Broker.CreateQueue("q");
        var sent = await queue.SendAsync(new SendMessageRequest("later") { DelaySeconds = delaySeconds });

        Assert.Equal((0, 0, 1), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Time.Advance(TimeSpan.FromSeconds(delaySeconds) - TimeSpan.FromTicks(1));
        Assert.Equal((0, 0, 1), Counts(queue));
        Assert.Empty(await queue.ReceiveAsync(Take()));

        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((1, 0, 0), Counts(queue));
        var got = await ReceiveOne(queue);
        Assert.Equal(sent.MessageId, got.MessageId);
        Assert.Equal("later", got.GetBodyAsString());
    }

    [Fact]
    public async Task Per_message_DelaySeconds_0_overrides_the_queue_delay_on_a_standard_queue()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { Delay = TimeSpan.FromSeconds(60) });

        await queue.SendAsync(new SendMessageRequest("now") { DelaySeconds = 0 });

        Assert.Equal((1, 0, 0), Counts(queue));
        var got = await ReceiveOne(queue);
        Assert.Equal("now", got.GetBodyAsString());
    }

    [Fact]
    public async Task A_shorter_per_message_delay_overrides_the_queue_delay_on_a_standard_queue()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { Delay = TimeSpan.FromSeconds(60) });

        await queue.SendAsync(new SendMessageRequest("soon") { DelaySeconds = 5 });

        Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("soon", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task Without_DelaySeconds_the_queue_delay_applies()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { Delay = TimeSpan.FromSeconds(60) });

        await queue.SendAsync(new SendMessageRequest("m"));

        Assert.Equal((0, 0, 1), Counts(queue));
        Time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal((1, 0, 0), Counts(queue));
        Assert.Single(await queue.ReceiveAsync(Take()));
    }

    // ---------------------------------------------------------------- identifiers

    [Fact]
    public async Task MessageId_is_a_UUID_and_unique_across_a_thousand_sends()
    {
        var queue = Broker.CreateQueue("q");
        var ids = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < 1000; i++)
        {
            var sent = await queue.SendAsync(i.ToString(CultureInfo.InvariantCulture));
            Assert.True(Guid.TryParse(sent.MessageId, out _), $"'{sent.MessageId}' is not a UUID");
            Assert.True(sent.MessageId.Length <= 100);
            Assert.True(ids.Add(sent.MessageId), $"'{sent.MessageId}' was returned twice");
        }

        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public async Task The_received_MessageId_is_the_one_the_send_returned()
    {
        var queue = Broker.CreateQueue("q");

        var sent = await queue.SendAsync("m");

        var got = await ReceiveOne(queue);
        Assert.Equal(sent.MessageId, got.MessageId);
    }

    [Fact]
    public async Task SequenceNumber_is_null_on_a_standard_queue()
    {
        var queue = Broker.CreateQueue("q");

        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageGroupId = "g" });

        Assert.Null(sent.SequenceNumber);
        var batch = await queue.SendBatchAsync([new SendMessageBatchEntry("a", "m")]);
        Assert.Null(Assert.Single(batch.Successful).Result.SequenceNumber);
    }

    // ---------------------------------------------------------------- SendMessageBatch: request-level errors

    [Fact]
    public async Task An_empty_batch_is_refused_with_EmptyBatchRequest()
    {
        var queue = Broker.CreateQueue("q");

        await BatchRefused(queue, BrokerErrorCodes.EmptyBatchRequest, []);

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_batch_of_eleven_entries_is_refused_with_TooManyEntriesInBatchRequest()
    {
        var queue = Broker.CreateQueue("q");
        var entries = Enumerable.Range(0, 11).Select(i => new SendMessageBatchEntry($"e{i}", "m")).ToList();

        var error = await BatchRefused(queue, BrokerErrorCodes.TooManyEntriesInBatchRequest, entries);

        Assert.Equal("Maximum number of entries per request are 10. You have sent 11.", error.Message);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_batch_of_ten_entries_is_accepted()
    {
        var queue = Broker.CreateQueue("q");
        var entries = Enumerable.Range(0, 10).Select(i => new SendMessageBatchEntry($"e{i}", "m")).ToList();

        var result = await queue.SendBatchAsync(entries);

        Assert.Equal(10, result.Successful.Count);
        Assert.Empty(result.Failed);
        Assert.Equal((10, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_batch_with_duplicate_entry_ids_is_refused_with_BatchEntryIdsNotDistinct()
    {
        var queue = Broker.CreateQueue("q");

        await BatchRefused(queue, BrokerErrorCodes.BatchEntryIdsNotDistinct,
        [
            new SendMessageBatchEntry("a", "1"),
            new SendMessageBatchEntry("b", "2"),
            new SendMessageBatchEntry("a", "3"),
        ]);

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("")]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("é")]
    [InlineData("123456789012345678901234567890123456789012345678901234567890123456789012345678901")] // 81 characters
    public async Task A_batch_with_an_invalid_entry_id_is_refused_with_InvalidBatchEntryId(string id)
    {
        var queue = Broker.CreateQueue("q");

        await BatchRefused(queue, BrokerErrorCodes.InvalidBatchEntryId,
        [
            new SendMessageBatchEntry("fine", "1"),
            new SendMessageBatchEntry(id, "2"),
        ]);

        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task An_entry_id_of_80_letters_digits_hyphens_and_underscores_is_accepted()
    {
        var queue = Broker.CreateQueue("q");
        var id = ("Az09-_" + new string('x', 80))[..80];

        var result = await queue.SendBatchAsync([new SendMessageBatchEntry(id, "m")]);

        Assert.Equal(id, Assert.Single(result.Successful).Id);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_batch_whose_bodies_add_up_to_more_than_1_MiB_is_refused_with_BatchRequestTooLong()
    {
        var queue = Broker.CreateQueue("q");

        var error = await BatchRefused(queue, BrokerErrorCodes.BatchRequestTooLong,
        [
            new SendMessageBatchEntry("a", new string('a', 600_000)),
            new SendMessageBatchEntry("b", new string('b', 600_000)),
        ]);

        Assert.Contains("You have sent 1200000 bytes.", error.Message, StringComparison.Ordinal);
        Assert.Contains("1048576", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), Counts(queue));
    }

    [Fact]
    public async Task A_batch_whose_bodies_add_up_to_exactly_1_MiB_is_accepted()
    {
        var queue = Broker.CreateQueue("q");

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("a", new string('a', OneMiB / 2)),
            new SendMessageBatchEntry("b", new string('b', OneMiB / 2)),
        ]);

        Assert.Equal(2, result.Successful.Count);
        Assert.Equal((2, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- SendMessageBatch: entries

    [Fact]
    public async Task An_oversized_entry_fails_alone_while_the_other_entries_are_sent()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { MaximumMessageSize = 1024 });

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("first", "one"),
            new SendMessageBatchEntry("big", new string('x', 2000)),
            new SendMessageBatchEntry("last", "three"),
        ]);

        Assert.Equal(["first", "last"], result.Successful.Select(e => e.Id));
        var failed = Assert.Single(result.Failed);
        Assert.Equal("big", failed.Id);
        Assert.Equal(BrokerErrorCodes.InvalidParameterValue, failed.Code);
        Assert.True(failed.SenderFault);
        Assert.Contains("Message must be shorter than 1024 bytes", failed.Message, StringComparison.Ordinal);
        Assert.Equal((2, 0, 0), Counts(queue));
        var bodies = (await ReceiveAll(queue)).Select(m => m.GetBodyAsString()).Order(StringComparer.Ordinal);
        Assert.Equal(["one", "three"], bodies);
    }

    [Fact]
    public async Task Batch_entries_are_enqueued_in_entry_order()
    {
        var queue = Broker.CreateQueue("q");
        var bodies = new[] { "m7", "m2", "m9", "m0", "m5", "m1", "m8", "m3", "m6", "m4" };

        var result = await queue.SendBatchAsync(bodies.Select((b, i) => new SendMessageBatchEntry($"e{i}", b)).ToList());

        Assert.Equal(bodies.Select((_, i) => $"e{i}"), result.Successful.Select(e => e.Id));
        var received = new List<string>();
        for (var i = 0; i < bodies.Length; i++)
        {
            received.Add((await ReceiveOne(queue)).GetBodyAsString());
        }

        Assert.Equal(bodies, received);
        Assert.Empty(await queue.ReceiveAsync(Take()));
    }

    [Fact]
    public async Task Each_successful_batch_entry_reports_the_message_id_and_body_digest_of_its_own_message()
    {
        var queue = Broker.CreateQueue("q");

        var result = await queue.SendBatchAsync([new SendMessageBatchEntry("a", "alpha"), new SendMessageBatchEntry("b", "beta")]);

        Assert.Equal(Md5Hex("alpha"u8.ToArray()), result.Successful[0].MD5OfMessageBody);
        Assert.Equal(Md5Hex("beta"u8.ToArray()), result.Successful[1].MD5OfMessageBody);
        Assert.NotEqual(result.Successful[0].MessageId, result.Successful[1].MessageId);
        var first = await ReceiveOne(queue);
        var second = await ReceiveOne(queue);
        Assert.Equal(result.Successful[0].MessageId, first.MessageId);
        Assert.Equal(result.Successful[1].MessageId, second.MessageId);
    }

    [Fact]
    public async Task A_batch_entry_without_DelaySeconds_uses_the_queue_delay()
    {
        var queue = Broker.CreateQueue("q", new QueueOptions { Delay = TimeSpan.FromSeconds(60) });

        await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("default", "queue-delay"),
            new SendMessageBatchEntry("zero", "immediate") { DelaySeconds = 0 },
        ]);

        Assert.Equal((1, 0, 1), Counts(queue));
        Assert.Equal("immediate", (await ReceiveOne(queue, TimeSpan.FromHours(1))).GetBodyAsString());
        Time.Advance(TimeSpan.FromSeconds(60) - TimeSpan.FromTicks(1));
        Assert.Empty(await queue.ReceiveAsync(Take()));
        Time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("queue-delay", (await ReceiveOne(queue)).GetBodyAsString());
    }

    [Fact]
    public async Task A_batch_entry_with_DelaySeconds_outside_0_to_900_fails_alone()
    {
        var queue = Broker.CreateQueue("q");

        var result = await queue.SendBatchAsync(
        [
            new SendMessageBatchEntry("ok", "m"),
            new SendMessageBatchEntry("late", "m") { DelaySeconds = 901 },
        ]);

        Assert.Equal("ok", Assert.Single(result.Successful).Id);
        var failed = Assert.Single(result.Failed);
        Assert.Equal("late", failed.Id);
        Assert.Equal(BrokerErrorCodes.InvalidParameterValue, failed.Code);
        Assert.Equal((1, 0, 0), Counts(queue));
    }

    // ---------------------------------------------------------------- helpers

    private static Task<BrokerException> SendRefused(IMessageQueue queue, string code, SendMessageRequest request) =>
        ThrowsBroker(code, () => queue.SendAsync(request).AsTask());

    private static Task<BrokerException> BatchRefused(IMessageQueue queue, string code, IReadOnlyList<SendMessageBatchEntry> entries) =>
        ThrowsBroker(code, () => queue.SendBatchAsync(entries).AsTask());

    private static async Task<ReceivedMessage> ReceiveWithAttributes(
        IMessageQueue queue, IReadOnlyList<string>? messageAttributeNames = null, IReadOnlyList<string>? systemAttributeNames = null)
    {
        var got = await queue.ReceiveAsync(new ReceiveRequest
        {
            MaxNumberOfMessages = 1,
            WaitTime = TimeSpan.Zero,
            MessageAttributeNames = messageAttributeNames,
            MessageSystemAttributeNames = systemAttributeNames,
        });
        return Assert.Single(got);
    }

    private static SendMessageRequest WithAttribute(string name, MessageAttributeValue value) =>
        new("m") { MessageAttributes = new Dictionary<string, MessageAttributeValue> { [name] = value } };

    private static Dictionary<string, MessageAttributeValue> Attributes(int count) =>
        Enumerable.Range(0, count).ToDictionary(i => $"attr{i}", i => MessageAttributeValue.FromString($"value{i}"), StringComparer.Ordinal);

    private static Dictionary<string, MessageAttributeValue> ThreeAttributes() => new()
    {
        ["size"] = MessageAttributeValue.FromNumber("12"),
        ["color"] = MessageAttributeValue.FromString("blue"),
        ["thumb"] = MessageAttributeValue.FromBinary([1, 2, 3]),
    };

    /// <summary>
    /// Published (attributes, MD5OfMessageAttributes) pairs. "aws-api-reference-sendmessagebatch" is the query-protocol
    /// example of the SQS API Reference for SendMessageBatch (entry test_msg_002). "two-strings" and "binary" are the
    /// Amazon samples YDB's SQS-compatible service tests against; the others are the vectors of the npm package
    /// aws-md5-of-message-attributes and of sqslite.
    /// </summary>
    private static Dictionary<string, MessageAttributeValue> KnownVector(string vector) => vector switch
    {
        "aws-api-reference-sendmessagebatch" => new()
        {
            ["test_attribute_name_1"] = MessageAttributeValue.FromString("test_attribute_value_1"),
        },
        "two-strings" => new()
        {
            ["test_attribute_name_2"] = MessageAttributeValue.FromString("test_attribute_value_2"),
            ["test_attribute_name_1"] = MessageAttributeValue.FromString("test_attribute_value_1"),
        },
        "binary" => new()
        {
            ["test_attribute_name"] = MessageAttributeValue.FromBinary("test_attribute_value"u8),
        },
        "custom-number" => new()
        {
            ["customNumberTypeAttrib"] = MessageAttributeValue.FromNumber("4563442423554324324264524243.32543234", "Number.float"),
        },
        "string-number-binary" => new()
        {
            ["attribName1"] = MessageAttributeValue.FromString("attribValue 1"),
            ["customNumberTypeAttrib"] = MessageAttributeValue.FromNumber("4563442423554324324264524243.32543234", "Number.float"),
            ["binaryAttribute"] = MessageAttributeValue.FromBinary("Hello binary world!"u8),
        },
        "number-and-string" => new()
        {
            ["ordinal"] = MessageAttributeValue.FromNumber("1"),
            ["category"] = MessageAttributeValue.FromString("test"),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(vector), vector, "Unknown test vector."),
    };

    /// <summary>Sends a message with <paramref name="attributes"/> and checks both digests against the reference.</summary>
    private async Task AssertAttributeDigest(Dictionary<string, MessageAttributeValue> attributes)
    {
        var queue = Broker.CreateQueue("q");
        var expected = ReferenceMd5OfAttributes(attributes.OrderBy(p => p.Key, StringComparer.Ordinal));

        var sent = await queue.SendAsync(new SendMessageRequest("m") { MessageAttributes = attributes });
        var batch = await queue.SendBatchAsync([new SendMessageBatchEntry("e", "m") { MessageAttributes = attributes }]);

        Assert.Equal(expected, sent.MD5OfMessageAttributes);
        Assert.Equal(expected, Assert.Single(batch.Successful).MD5OfMessageAttributes);
        var got = await ReceiveWithAttributes(queue, ["All"]);
        Assert.Equal(expected, got.MD5OfMessageAttributes);
    }

    /// <summary>
    /// SQS's MD5OfMessageAttributes, written independently of the broker: for each attribute in the order given, the
    /// name and the data type each as a 4-byte big-endian length plus UTF-8 bytes, a transport byte (1 for String and
    /// Number, 2 for Binary), then the value as a 4-byte big-endian length plus its bytes; the MD5 of the whole.
    /// </summary>
    private static string ReferenceMd5OfAttributes(IEnumerable<KeyValuePair<string, MessageAttributeValue>> attributesInOrder)
    {
        using var buffer = new MemoryStream();
        foreach (var (name, value) in attributesInOrder)
        {
            WriteWithLength(buffer, Encoding.UTF8.GetBytes(name));
            WriteWithLength(buffer, Encoding.UTF8.GetBytes(value.DataType));
            if (value.DataType.StartsWith("Binary", StringComparison.Ordinal))
            {
                buffer.WriteByte(2);
                WriteWithLength(buffer, value.BinaryValue!.Value.ToArray());
            }
            else
            {
                buffer.WriteByte(1);
                WriteWithLength(buffer, Encoding.UTF8.GetBytes(value.StringValue!));
            }
        }

        return Md5Hex(buffer.ToArray());
    }

    private static void WriteWithLength(MemoryStream buffer, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }

#pragma warning disable CA5351 // MD5 is the digest SQS's wire contract specifies, not a security measure.
    private static string Md5Hex(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));
#pragma warning restore CA5351
}
