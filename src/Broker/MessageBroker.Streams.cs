using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Broker.Streams;
using Broker.Streams.Internal;

namespace Broker;

/// <summary>Data streams: create, find, list and delete (cold paths, under the lifecycle lock).</summary>
public sealed partial class MessageBroker
{
    private static readonly System.Buffers.SearchValues<char> StreamNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

    private readonly ConcurrentDictionary<string, DataStream> streams = new(StringComparer.Ordinal);
    private int streamIds;

    /// <summary>
    /// Creates a data stream with Kinesis Data Streams semantics (Kinesis: CreateStream, provisioned mode). Unlike
    /// queues and topics, creation is not idempotent: an existing name fails, as on Kinesis. The stream is ACTIVE at
    /// once in-process (Kinesis goes through CREATING).
    /// </summary>
    /// <param name="name">1 to 128 letters, digits, '_', '.' and '-'.</param>
    /// <param name="options">Shard count, retention, maximum record size and throughput limits; <see langword="null"/> for Kinesis's defaults (4 shards, 24 hours, 1 MiB).</param>
    /// <returns>The stream.</returns>
    /// <exception cref="BrokerException"><c>ResourceInUseException</c> when a stream of that name exists;
    /// <c>ValidationException</c> for a bad name or maximum record size; <c>InvalidArgumentException</c> for a shard
    /// count outside 1 to 10,000 or a retention period outside 24 to 8,760 whole hours.</exception>
    public IDataStream CreateStream(string name, StreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        options ??= new StreamOptions();
        if (name.Length is 0 or > 128 || name.AsSpan().ContainsAnyExcept(StreamNameChars))
        {
            throw StreamErrors.Validation($"1 validation error detected: Value '{name}' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ and have length between 1 and 128.");
        }

        if (options.ShardCount is < 1 or > StreamDefaults.MaxShardCount)
        {
            throw StreamErrors.Invalid($"ShardCount {options.ShardCount} is out of range: a stream has 1 to {StreamDefaults.MaxShardCount} shards.");
        }

        StreamErrors.CheckRetentionRange(options.RetentionPeriod);
        StreamErrors.CheckMaxRecordSize(options.MaxRecordSizeInKiB);
        lock (lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (streams.ContainsKey(name))
            {
                throw StreamErrors.InUse($"Stream {name} under account {Options.AccountId} already exists. Use GetStream, or delete it first.");
            }

            var stream = new DataStream(name, options, ++streamIds, tokenKey, Options, TimeProvider, Metrics, Observer);
            if (Store is { } store && options.Durable)
            {
                // Durable: the stream's record, then its own journal (a crash between leaves an empty stream). Both are
                // waited for under the lifecycle lock: a cold path.
                store.StreamCreated(stream, options);
                var journal = store.CreateStreamJournal(stream.StreamId);
                try
                {
                    stream.AttachJournal(store, journal);
                }
                catch
                {
                    stream.Delete(); // closes the journal's writer, if it started
                    throw;
                }
            }

            streams[name] = stream;
            return stream;
        }
    }

    /// <summary>The stream of that name or ARN (Kinesis accepts either).</summary>
    /// <param name="nameOrArn">The stream's name or ARN.</param>
    /// <returns>The stream.</returns>
    /// <exception cref="BrokerException">No such stream (<c>ResourceNotFoundException</c>).</exception>
    public IDataStream GetStream(string nameOrArn) =>
        TryGetStream(nameOrArn, out var stream) ? stream : throw StreamErrors.StreamNotFound(StreamName(nameOrArn), Options.AccountId);

    /// <summary>The stream of that name or ARN, if there is one.</summary>
    /// <param name="nameOrArn">The stream's name or ARN.</param>
    /// <param name="stream">The stream, when found.</param>
    /// <returns>Whether the stream exists.</returns>
    public bool TryGetStream(string nameOrArn, [NotNullWhen(true)] out IDataStream? stream)
    {
        ArgumentNullException.ThrowIfNull(nameOrArn);
        var name = StreamName(nameOrArn);
        var found = streams.TryGetValue(name, out var existing) && (name == nameOrArn || existing.Arn == nameOrArn);
        stream = found ? existing : null;
        return found;
    }

    /// <summary>Every stream, in ordinal order of name (Kinesis: ListStreams, without paging).</summary>
    /// <returns>The streams.</returns>
    public IReadOnlyList<IDataStream> ListStreams() => [.. streams.Values.OrderBy(static s => s.Name, StringComparer.Ordinal)];

    /// <summary>
    /// Deletes a stream and its records (Kinesis: DeleteStream). Calls on it fail with <c>ResourceNotFoundException</c>
    /// afterwards and its subscriptions end. In-process deletion is immediate (Kinesis goes through DELETING), so the
    /// name can be reused at once.
    /// </summary>
    /// <param name="nameOrArn">The stream's name or ARN.</param>
    /// <param name="enforceConsumerDeletion">Whether to delete a stream that has registered consumers (and them with it). Default <see langword="false"/>.</param>
    /// <exception cref="BrokerException">No such stream (<c>ResourceNotFoundException</c>); consumers are registered and
    /// <paramref name="enforceConsumerDeletion"/> is false (<c>ResourceInUseException</c>).</exception>
    public void DeleteStream(string nameOrArn, bool enforceConsumerDeletion = false)
    {
        ArgumentNullException.ThrowIfNull(nameOrArn);
        lock (lifecycleLock)
        {
            if (!TryGetStream(nameOrArn, out var found))
            {
                throw StreamErrors.StreamNotFound(StreamName(nameOrArn), Options.AccountId);
            }

            var stream = (DataStream)found;
            if (stream.HasConsumers && !enforceConsumerDeletion)
            {
                throw StreamErrors.InUse($"Stream {stream.Name} under account {Options.AccountId} has registered consumers. Deregister them, or pass enforceConsumerDeletion: true.");
            }

            if (stream.Journal is not null)
            {
                Store?.StreamDeleted(stream.Name); // durable: waits for its record under the lifecycle lock (a cold path)
            }

            streams.TryRemove(stream.Name, out _);
            stream.Delete();
            stream.Journal?.DeleteFiles();
        }
    }

    /// <summary>
    /// The broker's lease table for <see cref="Streams.Processing.StreamProcessor"/>s (the KCL's DynamoDB table): pass it as
    /// <see cref="Streams.Processing.StreamProcessorOptions.LeaseStore"/>. In a durable broker every lease and checkpoint
    /// written to it is journaled, and is back after a restart; in memory it lives as long as the broker.
    /// </summary>
    public Streams.Processing.ILeaseStore LeaseStore { get; }

    private void DeleteAllStreams()
    {
        foreach (var stream in streams.Values)
        {
            stream.Delete();
        }

        streams.Clear();
    }

    private static string StreamName(string nameOrArn)
    {
        const string Marker = ":stream/";
        var at = nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn.IndexOf(Marker, StringComparison.Ordinal) : -1;
        return at >= 0 ? nameOrArn[(at + Marker.Length)..] : nameOrArn;
    }
}
