using Broker.Durability;
using Broker.Hosting.Internal;
using Broker.Queues;
using Microsoft.Extensions.Configuration;

namespace Broker.Hosting.Configuration;

/// <summary>
/// Reads a <c>Broker</c> configuration section into declarations, by hand (no binder, so it trims and needs no
/// reflection). Every problem is collected with its path; a resource with a problem is not declared as valid, so it is
/// not created and nothing that depends on it reports a second problem.
/// </summary>
/// <remarks>
/// The shape (keys case-insensitive, as configuration keys are):
/// <code>
/// Region, AccountId, QueueDeletionCooldown, PurgeCooldown      the BrokerOptions
/// Storage:{Directory, Policy, FlushInterval, SegmentSize, CompactAfterBytes}   BrokerOptions.Storage (durable mode)
/// Queues:{name}:{QueueOptions property or SQS attribute name}   RedrivePolicy and RedriveAllowPolicy are sections
/// Topics:{name}:{TopicOptions property}, Topics:{name}:Subscriptions:{index}:{Queue or SubscriptionOptions property}
/// Streams:{name}:{StreamOptions property}, or RetentionPeriodHours
/// </code>
/// </remarks>
internal static partial class BrokerConfigurationReader
{
    private static readonly string[] BrokerKeys =
        ["Region", "AccountId", "QueueDeletionCooldown", "PurgeCooldown", "Storage", "Queues", "Topics", "Streams"];

    private static readonly string[] StorageKeys = ["Directory", "Policy", "FlushInterval", "SegmentSize", "CompactAfterBytes"];

    private static readonly string[] StreamKeys =
        ["ShardCount", "RetentionPeriod", "RetentionPeriodHours", "MaxRecordSizeInKiB", "EnforceThroughputLimits", "Durable"];

    public static void Read(IConfiguration configuration, BrokerDeclarations declarations)
    {
        var rootPath = configuration is IConfigurationSection section ? section.Path : string.Empty;
        var problems = declarations.Problems;
        var broker = new SettingsSection(configuration, rootPath, problems, BrokerKeys);
        ReadBrokerOptions(broker, declarations);
        ReadEach(broker, "Queues", problems, (path, settings) => ReadQueue(path, settings, declarations));
        ReadEach(broker, "Topics", problems, (path, settings) => ReadTopic(path, settings, declarations));
        ReadEach(broker, "Streams", problems, (path, settings) => ReadStream(path, settings, declarations));
    }

    private static void ReadBrokerOptions(SettingsSection broker, BrokerDeclarations declarations)
    {
        var options = declarations.Options;
        var given = false;
        if (broker.String("Region") is { } region)
        {
            options = options with { Region = region };
            given = true;
        }

        if (broker.String("AccountId") is { } accountId)
        {
            options = options with { AccountId = accountId };
            given = true;
        }

        if (broker.Duration("QueueDeletionCooldown", TimeSpan.FromSeconds(60), secondsAllowed: true) is { } deletionCooldown)
        {
            options = options with { QueueDeletionCooldown = deletionCooldown };
            given = true;
        }

        if (broker.Duration("PurgeCooldown", TimeSpan.FromSeconds(60), secondsAllowed: true) is { } purgeCooldown)
        {
            options = options with { PurgeCooldown = purgeCooldown };
            given = true;
        }

        if (ReadStorage(broker, declarations, options.Storage) is { } storage)
        {
            options = options with { Storage = storage };
            declarations.StorageSource = broker.PathOf("Storage");
            given = true;
        }

        if (given)
        {
            declarations.Options = options;
            declarations.OptionsDeclared = true;
        }
    }

    /// <summary>
    /// The <c>Storage</c> section over the storage declared so far, or <see langword="null"/> when there is none or it has
    /// a problem (reported; the broker is then not made durable with half its settings). Ranges are the broker's to check.
    /// </summary>
    private static DurableStorage? ReadStorage(SettingsSection broker, BrokerDeclarations declarations, DurableStorage? declared)
    {
        var section = broker.Section("Storage", "Storage is a section with Directory, Policy, FlushInterval, SegmentSize and CompactAfterBytes");
        if (section is null)
        {
            return null;
        }

        var settings = new SettingsSection(section, section.Path, declarations.Problems, StorageKeys);
        var directory = settings.String("Directory") ?? declared?.Directory;
        if (directory is null)
        {
            settings.Report("Directory", "missing; name the directory of the broker's journal (created if missing; one broker per directory).");
            return null;
        }

        var storage = (declared ?? new DurableStorage { Directory = directory }) with { Directory = directory };
        if (settings.Enum<DurabilityPolicy>("Policy") is { } policy)
        {
            storage = storage with { Policy = policy };
        }

        if (settings.Duration("FlushInterval", TimeSpan.FromMilliseconds(100), secondsAllowed: false) is { } flushInterval)
        {
            storage = storage with { FlushInterval = flushInterval };
        }

        if (settings.Int64("SegmentSize") is { } segmentSize)
        {
            storage = storage with { SegmentSize = segmentSize };
        }

        if (settings.Int64("CompactAfterBytes") is { } compactAfterBytes)
        {
            storage = storage with { CompactAfterBytes = compactAfterBytes };
        }

        return settings.HasProblems ? null : storage;
    }

    /// <summary>Calls <paramref name="read"/> for each child of a resource list (<c>Queues</c>, <c>Topics</c>, <c>Streams</c>).</summary>
    private static void ReadEach(SettingsSection broker, string key, List<string> problems, Action<string, IConfigurationSection> read)
    {
        var list = broker.Section(key, $"{key} is a section with one entry per name, e.g. {key}:orders");
        if (list is null)
        {
            return;
        }

        foreach (var resource in list.GetChildren())
        {
            if (!string.IsNullOrEmpty(resource.Value))
            {
                problems.Add($"{resource.Path}: '{resource.Value}' is a single value, but each entry of {key} is a section of settings named by the resource (use {{}} for the defaults).");
                continue;
            }

            read(resource.Path, resource);
        }
    }

    private static void ReadStream(string path, IConfigurationSection section, BrokerDeclarations declarations)
    {
        var stream = declarations.Stream(section.Key, DeclarationSource.Configuration(path));
        var settings = new SettingsSection(section, path, declarations.Problems, StreamKeys);
        var options = stream.Options;
        if (settings.Int32("ShardCount") is { } shardCount)
        {
            options = options with { ShardCount = shardCount };
        }

        if (!settings.Conflict("RetentionPeriod", "RetentionPeriodHours"))
        {
            if (settings.Duration("RetentionPeriod", TimeSpan.FromDays(1), secondsAllowed: false) is { } retention)
            {
                options = options with { RetentionPeriod = retention };
            }

            if (settings.Int32("RetentionPeriodHours") is { } hours)
            {
                options = options with { RetentionPeriod = TimeSpan.FromHours(hours) };
            }
        }

        if (settings.Int32("MaxRecordSizeInKiB") is { } maxRecordSize)
        {
            options = options with { MaxRecordSizeInKiB = maxRecordSize };
        }

        if (settings.Boolean("EnforceThroughputLimits") is { } enforce)
        {
            options = options with { EnforceThroughputLimits = enforce };
        }

        if (settings.Boolean("Durable") is { } durable)
        {
            options = options with { Durable = durable };
        }

        stream.Options = options;
        stream.Invalid |= settings.HasProblems;
    }
}
