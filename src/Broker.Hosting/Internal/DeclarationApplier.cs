using Broker.Topics;

namespace Broker.Hosting.Internal;

/// <summary>
/// Creates what was declared on a broker, in dependency order: queues (each dead-letter queue before the queues that
/// name it), then topics and their queue subscriptions, then streams. Every problem is collected, none stops the others;
/// a resource that could not be created silently skips what depends on it (its own problem names the cause).
/// </summary>
internal sealed class DeclarationApplier
{
    private readonly BrokerDeclarations declarations;
    private readonly MessageBroker broker;
    private readonly List<string> problems;
    private readonly HashSet<string> failedQueues = new(StringComparer.Ordinal);

    private DeclarationApplier(BrokerDeclarations declarations, MessageBroker broker, List<string> problems)
    {
        this.declarations = declarations;
        this.broker = broker;
        this.problems = problems;
    }

    /// <summary>The number of queue subscriptions made or confirmed.</summary>
    public int Subscriptions { get; private set; }

    /// <summary>Applies <paramref name="declarations"/> to <paramref name="broker"/>, adding every problem to <paramref name="problems"/>.</summary>
    /// <returns>The applier, for its counts.</returns>
    public static DeclarationApplier Apply(BrokerDeclarations declarations, MessageBroker broker, List<string> problems)
    {
        var applier = new DeclarationApplier(declarations, broker, problems);
        applier.CreateQueues();
        applier.CreateTopics();
        applier.CreateStreams();
        return applier;
    }

    private void CreateQueues()
    {
        foreach (var queue in QueuesInDependencyOrder())
        {
            if (queue.Invalid)
            {
                failedQueues.Add(queue.Name);
                continue;
            }

            if (queue.Options.RedrivePolicy is { } redrive
                && QueueName(redrive.DeadLetterTarget) is { } target
                && !string.Equals(target, queue.Name, StringComparison.Ordinal))
            {
                if (failedQueues.Contains(target))
                {
                    failedQueues.Add(queue.Name);
                    continue;
                }

                if (!declarations.Queues.ContainsKey(target) && !broker.TryGetQueue(target, out _))
                {
                    problems.Add($"{queue.Source.At("RedrivePolicy:DeadLetterTarget")}: the dead-letter queue '{target}' is not declared and does not exist; SQS needs it before '{queue.Name}'. Declare it (AddQueue(\"{target}\") or Queues:{target}) or fix the name.");
                    failedQueues.Add(queue.Name);
                    continue;
                }
            }

            try
            {
                broker.CreateQueue(queue.Name, queue.Options);
            }
            catch (BrokerException exception)
            {
                problems.Add($"{queue.Source.Path}: {exception.ErrorCode}: {exception.Message}");
                failedQueues.Add(queue.Name);
            }
        }
    }

    /// <summary>
    /// The declared queues, each dead-letter queue before the queues naming it (a depth-first walk of the redrive
    /// edges). Queues on a cycle are reported and marked failed.
    /// </summary>
    private List<QueueDeclaration> QueuesInDependencyOrder()
    {
        var ordered = new List<QueueDeclaration>(declarations.Queues.Count);
        var done = new HashSet<QueueDeclaration>();
        var path = new List<QueueDeclaration>();
        foreach (var queue in declarations.Queues.Values)
        {
            Visit(queue);
        }

        return ordered;

        void Visit(QueueDeclaration queue)
        {
            if (done.Contains(queue))
            {
                return;
            }

            var onPath = path.IndexOf(queue);
            if (onPath >= 0)
            {
                var cycle = path[onPath..];
                var names = string.Join(" -> ", cycle.Select(static q => q.Name).Append(queue.Name));
                problems.Add($"{queue.Source.At("RedrivePolicy:DeadLetterTarget")}: dead-letter queues form a cycle ({names}); a chain of dead-letter queues must end with a queue that has no RedrivePolicy.");
                foreach (var member in cycle)
                {
                    failedQueues.Add(member.Name);
                }

                return;
            }

            path.Add(queue);
            if (queue.Options.RedrivePolicy is { } redrive
                && QueueName(redrive.DeadLetterTarget) is { } target
                && declarations.Queues.TryGetValue(target, out var deadLetterQueue)
                && deadLetterQueue != queue)
            {
                Visit(deadLetterQueue);
            }

            path.RemoveAt(path.Count - 1);
            done.Add(queue);
            ordered.Add(queue);
        }
    }

    private void CreateTopics()
    {
        foreach (var declared in declarations.Topics.Values)
        {
            if (declared.Invalid)
            {
                continue;
            }

            ITopic topic;
            try
            {
                topic = broker.CreateTopic(declared.Name, declared.Options);
            }
            catch (BrokerException exception)
            {
                problems.Add($"{declared.Source.Path}: {exception.ErrorCode}: {exception.Message}");
                continue;
            }

            foreach (var subscription in declared.Subscriptions)
            {
                Subscribe(topic, subscription);
            }
        }
    }

    private void Subscribe(ITopic topic, SubscriptionDeclaration subscription)
    {
        if (subscription.Invalid)
        {
            return;
        }

        var queueName = QueueName(subscription.QueueName);
        var deadLetterName = subscription.Options.RedrivePolicy is { } redrive ? QueueName(redrive.DeadLetterTarget) : null;
        if ((queueName is not null && failedQueues.Contains(queueName)) || (deadLetterName is not null && failedQueues.Contains(deadLetterName)))
        {
            return;
        }

        if (queueName is null || !broker.TryGetQueue(queueName, out var queue))
        {
            var queueAt = subscription.Source.FromConfiguration ? subscription.Source.At("Queue") : subscription.Source.Path;
            problems.Add($"{queueAt}: the queue '{subscription.QueueName}' is not declared and does not exist. Declare it (AddQueue(\"{subscription.QueueName}\") or Queues:{subscription.QueueName}) or fix the name.");
            return;
        }

        try
        {
            topic.Subscribe(queue, subscription.Options);
            Subscriptions++;
        }
        catch (BrokerException exception)
        {
            problems.Add($"{subscription.Source.Path}: {exception.ErrorCode}: {exception.Message}");
        }
    }

    private void CreateStreams()
    {
        foreach (var stream in declarations.Streams.Values)
        {
            // Kinesis's CreateStream is not idempotent; a declaration is: an existing stream is kept as it is.
            if (stream.Invalid || broker.TryGetStream(stream.Name, out _))
            {
                continue;
            }

            try
            {
                broker.CreateStream(stream.Name, stream.Options);
            }
            catch (BrokerException exception)
            {
                problems.Add($"{stream.Source.Path}: {exception.ErrorCode}: {exception.Message}");
            }
        }
    }

    /// <summary>A queue's name from a name or an ARN of this broker's Region and account; <see langword="null"/> for another ARN.</summary>
    private string? QueueName(string nameOrArn)
    {
        if (!nameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            return nameOrArn;
        }

        var parts = nameOrArn.Split(':');
        return parts.Length == 6 && parts[2] == "sqs" && parts[3] == broker.Options.Region && parts[4] == broker.Options.AccountId
            ? parts[5]
            : null;
    }
}
