using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Broker.Topics;
using Broker.Topics.Internal;

namespace Broker;

/// <summary>Topics: create, find, list and delete (cold paths, under the lifecycle lock).</summary>
public sealed partial class MessageBroker
{
    private readonly ConcurrentDictionary<string, Topic> topics = new(StringComparer.Ordinal);

    /// <summary>Creates a standard topic, or returns the existing one when it too is a standard topic with default settings.</summary>
    /// <param name="name">1 to 256 letters, digits, '-' and '_'.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="BrokerException">As <see cref="CreateTopic(string, TopicOptions)"/>.</exception>
    public ITopic CreateTopic(string name) => CreateTopic(name, new TopicOptions());

    /// <summary>
    /// Creates a topic, or returns the existing one when every setting matches (SNS: CreateTopic is idempotent).
    /// </summary>
    /// <param name="name">1 to 256 letters, digits, '-' and '_'; a FIFO topic's name ends in <c>.fifo</c> (counted in the 256).</param>
    /// <param name="options">The settings.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="BrokerException">The name or a setting is invalid, or a topic of that name exists with other
    /// settings (<c>InvalidParameter</c>, with SNS's message).</exception>
    public ITopic CreateTopic(string name, TopicOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ValidateTopic(name, options);
        lock (lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (topics.TryGetValue(name, out var existing))
            {
                return existing.Options == options
                    ? existing
                    : throw PublishValidation.Invalid("Attributes Reason: Topic already exists with different attributes");
            }

            var topic = new Topic(this, name, options);
            Store?.TopicCreated(name, options); // durable: waits for its record under the lifecycle lock (a cold path)
            topics[name] = topic;
            return topic;
        }
    }

    /// <summary>The topic of that name or ARN.</summary>
    /// <param name="nameOrArn">The topic's name or ARN.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="BrokerException">No such topic (<c>NotFound</c>).</exception>
    public ITopic GetTopic(string nameOrArn) =>
        TryGetTopic(nameOrArn, out var topic) ? topic : throw Topic.NotFound($"Topic does not exist: '{nameOrArn}'.");

    /// <summary>The topic of that name or ARN, if there is one.</summary>
    /// <param name="nameOrArn">The topic's name or ARN.</param>
    /// <param name="topic">The topic, when found.</param>
    /// <returns>Whether the topic exists.</returns>
    public bool TryGetTopic(string nameOrArn, [NotNullWhen(true)] out ITopic? topic)
    {
        ArgumentNullException.ThrowIfNull(nameOrArn);
        var name = nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn[(nameOrArn.LastIndexOf(':') + 1)..] : nameOrArn;
        var found = topics.TryGetValue(name, out var existing) && (name == nameOrArn || existing.Arn == nameOrArn);
        topic = found ? existing : null;
        return found;
    }

    /// <summary>Every topic, in ordinal order of name (SNS: ListTopics, without paging).</summary>
    /// <returns>The topics.</returns>
    public IReadOnlyList<ITopic> ListTopics() => [.. topics.Values.OrderBy(static t => t.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Deletes a topic and all its subscriptions; publishing to it fails afterwards. Deleting a topic that does not
    /// exist does nothing, as in SNS.
    /// </summary>
    /// <param name="nameOrArn">The topic's name or ARN.</param>
    public void DeleteTopic(string nameOrArn)
    {
        ArgumentNullException.ThrowIfNull(nameOrArn);
        Subscription[] removed = [];
        lock (lifecycleLock)
        {
            if (TryGetTopic(nameOrArn, out var found) && topics.TryRemove(found.Name, out var topic))
            {
                Store?.TopicDeleted(topic.Name); // durable: waits for its record under the lifecycle lock (a cold path)
                removed = topic.Delete();
            }
        }

        Topic.CancelLifetimes(removed);
    }

    /// <summary>Under the lifecycle lock; returns the removed subscriptions, whose tokens the caller cancels after it.</summary>
    private List<Subscription> DeleteAllTopics()
    {
        var removed = new List<Subscription>();
        foreach (var topic in topics.Values)
        {
            removed.AddRange(topic.Delete());
        }

        topics.Clear();
        return removed;
    }

    private static void ValidateTopic(string name, TopicOptions options)
    {
        var stem = options.FifoTopic && name.EndsWith(".fifo", StringComparison.Ordinal) ? name[..^5] : name;
        var valid = name.Length <= 256 && stem.Length > 0 && !stem.AsSpan().ContainsAnyExcept(TopicNameChars);
        if (options.FifoTopic && (!valid || stem.Length == name.Length))
        {
            throw PublishValidation.Invalid("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.");
        }

        if (!valid)
        {
            throw PublishValidation.Invalid($"Topic Name. '{name}' must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.");
        }

        if (!options.FifoTopic && options.ContentBasedDeduplication)
        {
            throw PublishValidation.Invalid("Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics.");
        }

        if (options.DisplayName is { Length: > 100 })
        {
            throw PublishValidation.Invalid("DisplayName. It must be at most 100 characters.");
        }

        if (!Enum.IsDefined(options.FifoThroughputScope))
        {
            throw PublishValidation.Invalid($"Attributes Reason: FifoThroughputScope must be Topic or MessageGroup, not {options.FifoThroughputScope}.");
        }
    }

    private static readonly System.Buffers.SearchValues<char> TopicNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
}
