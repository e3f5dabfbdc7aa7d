using Broker.Queues;
using Broker.Topics.Internal;
using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// A queue holds an enveloped delivery's length before its envelope is written (the envelope is written when the body is
/// first read), so the announced length must be exactly what the writer writes, whatever the text: quotes, backslashes,
/// controls, non-BMP characters, unpaired surrogates, long runs. And the deferred envelope, written from the body's
/// UTF-8, must be the very bytes the envelope written at once from the published string is.
/// </summary>
public sealed class EnvelopeLengthTests
{
    private static readonly Gen<string> Text = HostileText.Arbitrary().Generator.Select(static t => t.Value);

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
        from sqsMessage in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(static t => (string?)t))
        from subject in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(static t => (string?)t))
        from attributes in Attributes
        from fifo in Gen.Elements(false, true)
        from sequence in Gen.Choose(1, int.MaxValue)
        from region in Gen.Elements("us-east-1", "eu-west-3", "x\"y\\z")
        select new Case(message, sqsMessage, subject, attributes, fifo, sequence, region);

    [Fact]
    public void The_length_announced_for_an_envelope_is_the_length_written()
    {
        PropertyRun.Check(Prop.ForAll(Arb.From(Cases), input =>
        {
            var message = new PublishedMessage(Guid.NewGuid(), input.Message, System.Text.Encoding.UTF8.GetBytes(input.Message), input.Subject, input.Attributes, DateTimeOffset.UnixEpoch.AddTicks(input.Sequence * 7919))
            {
                SqsMessage = input.SqsMessage,
                DeliveredAttributes = input.Attributes,
                Sequence = input.Fifo ? input.Sequence : 0,
            };
            var names = new EnvelopeNames($"arn:aws:sns:{input.Region}:000000000000:topic", $"arn:aws:sns:{input.Region}:000000000000:topic:{Guid.NewGuid()}", input.Region);
            var text = message.SqsMessage ?? message.Message;

            byte[] eager;
            try
            {
                eager = EnvelopeWriter.Write(message, text, names, input.Fifo);
            }
            catch (ArgumentException)
            {
                // Text the writer refuses (no envelope is ever deferred for such a publish: its text is not queue text).
                return;
            }

            var source = new EnvelopeSource(message, input.Fifo);
            var deferred = EnvelopeWriter.Write(source, names, input.Fifo);
            Assert.Equal(deferred.Length, EnvelopeWriter.Length(source, names, input.Fifo));
            if (input.SqsMessage is null && System.Text.Encoding.UTF8.GetString(message.Utf8Body) == input.Message)
            {
                // The body's UTF-8 is the string's (no unpaired surrogate was replaced): the same envelope.
                Assert.Equal(eager, deferred);
            }
        }), 2_000);
    }
}
