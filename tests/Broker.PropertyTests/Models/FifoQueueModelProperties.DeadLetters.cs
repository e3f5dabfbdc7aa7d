using Broker.Queues;

namespace Broker.PropertyTests.Models;

/// <summary>The FIFO model's dead-letter queue: drained after each receive and compared with the moves the model made.</summary>
public sealed partial class FifoQueueModelProperties
{
    private sealed partial class Harness
    {
        /// <summary>Empties the dead-letter queue (receive and delete, group by group) and returns what it held.</summary>
        private List<ReceivedMessage> DrainDeadLetters()
        {
            var drained = new List<ReceivedMessage>();
            while (deadLetters is not null)
            {
                var got = Sync(deadLetters.ReceiveAsync(new ReceiveRequest { MaxNumberOfMessages = 10, WaitTime = TimeSpan.Zero, MessageSystemAttributeNames = ["All"] }));
                if (got.Count == 0)
                {
                    break;
                }

                drained.AddRange(got);
                foreach (var received in got)
                {
                    Sync(deadLetters.DeleteAsync(received));
                }
            }

            return drained;
        }

        /// <summary>
        /// The dead-letter queue held exactly the messages this receive moved, each group in move order, with what a move
        /// keeps (id, body, group, receive count) and what it changes (source ARN; the deduplication id becomes the message id).
        /// </summary>
        private void CheckDeadLetters(List<ReceivedMessage> drained, Op after)
        {
            Expect(drained.Count == movedToDeadLetters.Count, $"after {after}: the DLQ held {drained.Count} messages, the model moved {movedToDeadLetters.Count}");
            foreach (var group in movedToDeadLetters.GroupBy(m => m.Group))
            {
                var expected = group.ToList();
                var actual = drained.Where(r => r.Attributes.GetValueOrDefault("MessageGroupId") == $"g{group.Key}").ToList();
                Expect(actual.Count == expected.Count, $"after {after}: g{group.Key} has {actual.Count} messages in the DLQ, the model {expected.Count}");
                for (var i = 0; i < expected.Count; i++)
                {
                    var (model, received) = (expected[i], actual[i]);
                    Expect(
                        received.GetBodyAsString() == model.Body && received.MessageId == model.MessageId
                        && received.ApproximateReceiveCount == model.ReceiveCount + 1
                        && received.Attributes.GetValueOrDefault("DeadLetterQueueSourceArn") == queue.Arn
                        && received.Attributes.GetValueOrDefault("MessageDeduplicationId") == model.MessageId,
                        $"after {after}: DLQ message {i} of g{group.Key} is {model.Body} (id kept, receive count {model.ReceiveCount} + 1, source ARN, dedup id = message id); got {received.GetBodyAsString()} with {string.Join(", ", received.Attributes.Select(a => a.Key + "=" + a.Value))}");
                }
            }

            movedToDeadLetters.Clear();
        }
    }
}
