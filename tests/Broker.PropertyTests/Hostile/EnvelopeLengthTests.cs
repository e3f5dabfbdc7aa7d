using Broker.Queues;
using Broker.Topics.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// A queue holds an enveloped delivery's length before its envelope is written (the envelope is written when the body is
/// first read), so the announced length must be exactly what is written, whatever the text a queue takes: quotes,
/// backslashes, tabs and line breaks, non-BMP and invisible characters, long runs. And the deferred envelope, written
/// piece by piece from the body's UTF-8, must be the very bytes the JSON writer writes at once from the published string.
/// A publish with other text (controls, noncharacters, unpaired surrogates) gets no deferred envelope.
/// </summary>
public sealed class EnvelopeLengthTests
{
    /// <summary>Mostly text a queue takes in a body (quotes, backslashes, tabs, non-BMP, NEL...), sometimes anything.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
        (9, HostileText.Arbitrary(HostileText.Piece.Where(static p => Broker.Queues.Internal.MessageValidation.IsAllowedText(p))).Generator.Select(static t => t.Value)),
        (1, HostileText.Arbitrary().Generator.Select(static t => t.Value)),
        (1, Gen.Choose(1, 120).Select(static n => string.Concat(Enumerable.Repeat("\"é\U0001F600\\\t", n)))), // escapes longer than the counting scratch
        (1, Gen.ArrayOf(Gen.Elements("<", ">", "&", "'", "+", "`", "\uE000", "\u2028", "\u2029", "\u0378", "\u00AD", "\u007F", "x"), 6).Select(static parts => string.Concat(parts))));

    private static readonly Gen<MessageAttributeValue> AttributeValue = Gen.OneOf(
        Text.Select(static v => MessageAttributeValue.FromString(v)),
        Text.Select(static v => MessageAttributeValue.FromString(v, "String.Array")),
        Text.SelectMany(static v => Text.Select(t => MessageAttributeValue.FromString(v, "String." + t))),
        Gen.Choose(-1_000_000, 1_000_000).Select(static n => MessageAttributeValue.FromNumber(n)),
        Gen.Choose(0, 40).SelectMany(static n => Gen.ArrayOf(Gen.Choose(0, 255).Select(static b => (byte)b), n)).Select(static b => MessageAttributeValue.FromBinary(b)));

    private static readonly Gen<IReadOnlyDictionary<string, MessageAttributeValue>> Attributes =
        Gen.Choose(0, 4).SelectMany(static n => Gen.ArrayOf(Text.SelectMany(static name => AttributeValue.Select(value => (name, value))), n))
            .SelectMany(static pairs => Gen.Elements(false, true).Select(small =>
            {
                var map = new Dictionary<string, MessageAttributeValue>(StringComparer.Ordinal);
                foreach (var (name, value) in pairs)
                {
                    map[name] = value;
                }

                return small && map.Count <= SmallAttributeMap.MaxCount
                    ? new SmallAttributeMap(map)
                    : (IReadOnlyDictionary<string, MessageAttributeValue>)map;
            }));

    private sealed record Case(string Message, string? SqsMessage, string? Subject, IReadOnlyDictionary<string, MessageAttributeValue> Attributes, bool Fifo, long Sequence, string Region);

    private static readonly Gen<Case> Cases =
        from message in Text.Where(static t => t.Length > 0)
        from sqsMessage in Gen.Frequency((4, Gen.Constant<string?>(null)), (1, Text.Select(static t => (string?)t)))
        from subject in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(static t => (string?)t))
        from attributes in Attributes
        from fifo in Gen.Elements(false, true)
        from sequence in Gen.Choose(1, int.MaxValue)
        from region in Gen.Elements("us-east-1", "eu-west-3", "x\"y\\z")
        select new Case(message, sqsMessage, subject, attributes, fifo, sequence, region);

    private static bool AllQueueText(Case input) =>
        new[] { input.Message, input.Subject ?? "" }
            .Concat(input.Attributes.SelectMany(static a => new[] { a.Key, a.Value.DataType, a.Value.StringValue ?? "" }))
            .All(static t => Broker.Queues.Internal.MessageValidation.IsAllowedText(t));

    [Fact]
    public void A_deferred_envelope_is_the_envelope_written_at_once_at_the_length_announced_for_it()
    {
        PropertyRun.Check(Prop.ForAll(Arb.From(Cases), input =>
        {
            var message = new PublishedMessage(Guid.NewGuid(), input.Message, System.Text.Encoding.UTF8.GetBytes(input.Message), input.Subject, input.Attributes, DateTimeOffset.UnixEpoch.AddTicks(input.Sequence * 7919))
            {
                // A json structure's publish delivers no attributes, so an sqs body comes without them.
                Structure = input.SqsMessage is null ? null : new PublishedMessage.StructuredBodies(input.SqsMessage, null),
            };
            if (input.Fifo)
            {
                message.Sequence = input.Sequence;
            }

            var names = new EnvelopeNames($"arn:aws:sns:{input.Region}:000000000000:topic", $"arn:aws:sns:{input.Region}:000000000000:topic:{Guid.NewGuid()}", input.Region);
            var text = message.SqsMessage ?? message.Message;

            byte[] eager;
            try
            {
                eager = EnvelopeWriter.Write(message, text, names, input.Fifo);
            }
            catch (ArgumentException)
            {
                // Text the writer refuses: never queue text, so no envelope is ever deferred for such a publish.
                Assert.True(input.SqsMessage is not null || !AllQueueText(input));
                return;
            }

            // As a queue subscription asks for it: null when some text is not text a queue takes in a body.
            if (message.QueueEnvelope(names, names.Length(input.Fifo), input.Fifo, out var made) is not { } source)
            {
                Assert.True(input.SqsMessage is not null || !AllQueueText(input));
                return;
            }

            Assert.True(AllQueueText(input));
            var deferred = EnvelopeWriter.Write(source, names, input.Fifo);
            Assert.Equal(deferred.Length, EnvelopeWriter.Length(source, names, input.Fifo));
            Assert.Equal(eager, deferred);

            // The source is also the envelope of the subscription whose call made it; a later subscription's refers to it.
            Assert.True(made);
            Assert.Equal(deferred.Length, source.Length);
            Assert.True(EnvelopeBody.TryCreate(message, names, names.Length(input.Fifo), input.Fifo, out var later));
            Assert.False(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, EnvelopeSource>(later, out _));
            Assert.Equal(eager, later.ToArray());
            Assert.Equal(eager, source.Bytes());
        }), 2_000);
    }
}
