using FsCheck;
using FsCheck.Fluent;

namespace Broker.PropertyTests.Hostile;

/// <summary>
/// The broker's check of text a queue takes (message attribute values, a publish's text before its envelope is
/// deferred) agrees with SQS's rule, written out plainly in <see cref="HostileText.IsAllowedText"/>, wherever in a long
/// run of ordinary characters a surrogate, a pair or a control lands.
/// </summary>
public sealed class TextRuleTests
{
    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, HostileText.Piece),
        (2, Gen.Elements("\uD83D\uDE00", "\uDBFF\uDFFF", "\uD800\uDC00", "\uD83D", "\uDE00")), // pairs, and their halves alone
        (1, Gen.Choose(1, 200).Select(static n => new string('x', n))));

    [Fact]
    public void The_text_check_agrees_with_sqs_rule_on_hostile_text()
    {
        PropertyRun.Check(Prop.ForAll(HostileText.Arbitrary(Piece, maxPieces: 10), static text =>
            Broker.Queues.Internal.MessageValidation.IsAllowedText(text.Value) == HostileText.IsAllowedText(text.Value)), 5_000);
    }
}
