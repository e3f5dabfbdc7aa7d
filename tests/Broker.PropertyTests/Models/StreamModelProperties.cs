using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Broker.Streams;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace Broker.PropertyTests.Models;

/// <summary>
/// Random sequences of puts (random partition keys and explicit hash keys), reads with every iterator type, splits,
/// merges, UpdateShardCount, retention changes and clock advances against a stream, checked after every step against a reference log written
/// here: per shard its records (sequence number, key, data, arrival), open or closed, its hash range and lineage.
/// Every read must return exactly the model's live records from the model's start position, in order; every put must
/// land on the open shard whose range holds its hash key; retention must hide exactly the expired records.
/// </summary>
public sealed partial class StreamModelProperties
{
    private static readonly BigInteger HashSpace = BigInteger.One << 128;
    private static readonly TimeSpan InitialRetention = TimeSpan.FromHours(24);
    private const int MaxOpenShards = 12;

    private static readonly string[] TableKeys = ["a", "b", "user-42", "hello", "bar", "foo", "0", "user-7", "\u00FC"];

    private static Gen<HashChoice> HashChoices =>
        Gen.Frequency(
            (4, Gen.Elements(TableKeys).Select(k => new HashChoice(k, null, -1))),
            (4, Gen.Choose(0, 1_000_000).Select(i => new HashChoice($"key-{i}", null, -1))),
            (2, Gen.Choose(0, 255).ArrayOf(16).Select(bytes => new HashChoice("explicit", new BigInteger(bytes.Select(b => (byte)b).ToArray(), isUnsigned: true, isBigEndian: true), -1))),
            (2, Gen.Choose(0, 1_000).Select(pick => new HashChoice("edge", null, pick))));

    private static Gen<Op> Operations =>
        Gen.Frequency(
            (8, HashChoices.Select(h => (Op)new PutOne(h))),
            (3, Gen.Choose(1, 6).SelectMany(n => HashChoices.ArrayOf(n)).Select(l => (Op)new PutBatch(l))),
            (8, from shard in Gen.Choose(0, 1_000)
                from type in Gen.Choose(0, 5)
                from record in Gen.Choose(0, 1_000)
                from nudge in Gen.Elements(-1, 0, 1)
                from limit in Gen.Elements(1, 2, 3, 10_000)
                select (Op)new Read(shard, type, record, nudge, limit)),
            (2, from shard in Gen.Choose(0, 1_000)
                from fraction in Gen.Choose(0, 1_000)
                from invalid in Gen.Choose(0, 5)
                select (Op)new Split(shard, fraction, invalid)),
            (2, from pair in Gen.Choose(0, 1_000)
                from adjacent in Gen.Choose(0, 4)
                from swap in Gen.Elements(true, false)
                select (Op)new Merge(pair, adjacent > 0, swap)),
            (1, Gen.Choose(0, 1_000).Select(t => (Op)new UpdateCount(t))),
            (3, Gen.Elements(1, 59, 3_600, 6 * 3_600, 23 * 3_600, 86_399, 86_400).Select(s => (Op)new Advance(s))),
            (3, Gen.Elements(24, 25, 30, 48, 72).Select(h => (Op)new ChangeRetention(h))),
            (2, Gen.Elements(1, 3, 10_000).Select(limit => (Op)new ReadAll(limit))));

    [Fact]
    public void Puts_reads_reshards_and_clock_advances_agree_with_a_reference_log() =>
        PropertyRun.Check(
            Prop.ForAll(Scripts.Of(Gen.Choose(1, 4), Operations), run =>
            {
                using var harness = new Harness(run.Setting);
                return harness.Run(run.Script.Ops);
            }),
            cases: 1500);

    internal sealed record HashChoice(string Key, BigInteger? Explicit, int EdgePick)
    {
        public override string ToString() => Explicit is { } hash ? $"hash {hash}" : EdgePick >= 0 ? $"edge {EdgePick}" : $"'{Key}'";
    }

    internal abstract record Op;

    internal sealed record PutOne(HashChoice Hash) : Op
    {
        public override string ToString() => $"Put({Hash})";
    }

    internal sealed record PutBatch(HashChoice[] Entries) : Op
    {
        public override string ToString() => $"PutBatch({string.Join(", ", Entries.Select(e => e.ToString()))})";
    }

    internal sealed record Read(int ShardPick, int Type, int RecordPick, int Nudge, int Limit) : Op
    {
        public override string ToString() =>
            $"Read(shard pick {ShardPick}, {(Type == 5 ? "AtTimestamp before the horizon" : ((ShardIteratorType)Type).ToString())}, record pick {RecordPick}, nudge {Nudge} ms, limit {Limit})";
    }

    internal sealed record Split(int ShardPick, int Fraction, int Invalid) : Op
    {
        public override string ToString() => Invalid == 0 ? $"Split(shard pick {ShardPick}, invalid key {Fraction % 4})" : $"Split(shard pick {ShardPick}, at {Fraction / 10.0:0.0}% of its range)";
    }

    internal sealed record Merge(int PairPick, bool Adjacent, bool Swap) : Op
    {
        public override string ToString() => $"Merge(pair pick {PairPick}{(Adjacent ? string.Empty : ", not adjacent")}{(Swap ? ", upper first" : string.Empty)})";
    }

    internal sealed record UpdateCount(int TargetPick) : Op
    {
        public override string ToString() => $"UpdateShardCount(target pick {TargetPick})";
    }

    internal sealed record Advance(int Seconds) : Op
    {
        public override string ToString() => $"Advance({Seconds}s)";
    }

    internal sealed record ChangeRetention(int Hours) : Op
    {
        public override string ToString() => $"SetRetention({Hours} h)";
    }

    /// <summary>Read the whole stream from the trim horizon, parents before children, <paramref name="Limit"/> records a call.</summary>
    internal sealed record ReadAll(int Limit) : Op
    {
        public override string ToString() => $"ReadAll(limit {Limit})";
    }

    private sealed record ModelRecord(BigInteger Sequence, string SequenceText, string Key, string Data, DateTimeOffset Arrival);

    private sealed class ModelShard(string id, BigInteger start, BigInteger end, string? parent, string? adjacentParent)
    {
        public string Id { get; } = id;

        public BigInteger Start { get; } = start;

        public BigInteger End { get; } = end;

        public string? Parent { get; } = parent;

        public string? AdjacentParent { get; } = adjacentParent;

        public DateTimeOffset? ClosedAt { get; set; }

        public bool Open => ClosedAt is null;

        public List<ModelRecord> Records { get; } = [];

        public BigInteger LastSequence { get; set; } = BigInteger.MinusOne;

        /// <summary>Children with their parent lists; null when UpdateShardCount closed the shard (its intermediate children may never be listed).</summary>
        public List<(string Id, string[] Parents, BigInteger Start, BigInteger End)>? Children { get; set; } = [];
    }

    private sealed partial class Harness : IDisposable
    {
        private readonly FakeTimeProvider time = new();
        private readonly MessageBroker broker;
        private readonly IDataStream stream;
        private readonly Dictionary<string, ModelShard> shards = new(StringComparer.Ordinal);
        private readonly HashSet<BigInteger> issued = [];
        private readonly List<DateTimeOffset> scalings = [];
        private readonly HashSet<BigInteger> dead = [];
        private TimeSpan retention = InitialRetention;
        private int nextShard;
        private int nextData;
        private int step;

        public Harness(int shardCount)
        {
            broker = new MessageBroker(new BrokerOptions(), time);
            stream = broker.CreateStream("model", new StreamOptions { ShardCount = shardCount, RetentionPeriod = InitialRetention });
            var width = HashSpace / shardCount;
            for (var i = 0; i < shardCount; i++)
            {
                Add(new ModelShard(Id(nextShard++), i * width, i == shardCount - 1 ? HashSpace - 1 : ((i + 1) * width) - 1, null, null));
            }
        }

        private DateTimeOffset Now => time.GetUtcNow();

        public bool Run(IReadOnlyList<Op> ops)
        {
            CheckListing("creation");
            foreach (var op in ops)
            {
                step++;
                Step(op);
                foreach (var record in shards.Values.SelectMany(s => s.Records).Where(r => Now >= r.Arrival + retention))
                {
                    dead.Add(record.Sequence);
                }

                if (op is not Advance)
                {
                    // Not right after a clock advance: listing trims, and a trim the test forces would hide a missing one.
                    CheckListing(op.ToString());
                }
            }

            return true;
        }

        public void Dispose() => broker.Dispose();

        private static string Id(int n) => "shardId-" + n.ToString("D12", CultureInfo.InvariantCulture);

        private static string Dec(BigInteger value) => value.ToString(CultureInfo.InvariantCulture);

        private static BigInteger Big(string text) => BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

        private void Add(ModelShard shard) => shards.Add(shard.Id, shard);

        private List<ModelShard> OpenByStart() => shards.Values.Where(s => s.Open).OrderBy(s => s.Start).ToList();

        /// <summary>Once expired, a record stays gone: a later IncreaseRetentionPeriod does not resurrect it.</summary>
        private bool Expired(ModelRecord record) => dead.Contains(record.Sequence) || Now >= record.Arrival + retention;

        private List<ModelRecord> Live(ModelShard shard) => shard.Records.Where(r => !Expired(r)).ToList();

        private bool MustBeListed(ModelShard shard) => shard.Open || Live(shard).Count > 0;

        private bool MustNotBeListed(ModelShard shard) =>
            shard.ClosedAt is { } closed && Now >= closed + retention && shard.Records.All(Expired);

        private void Step(Op op)
        {
            switch (op)
            {
                case PutOne put:
                    DoPutOne(put.Hash);
                    break;
                case PutBatch batch:
                    DoPutBatch(batch.Entries);
                    break;
                case Read read:
                    DoRead(read);
                    break;
                case Split split:
                    DoSplit(split);
                    break;
                case Merge merge:
                    DoMerge(merge);
                    break;
                case UpdateCount update:
                    DoUpdateCount(update);
                    break;
                case Advance advance:
                    time.Advance(TimeSpan.FromSeconds(advance.Seconds));
                    break;
                case ReadAll readAll:
                    DoReadAll(readAll.Limit);
                    break;
                case ChangeRetention change:
                    DoChangeRetention(TimeSpan.FromHours(change.Hours));
                    break;
            }
        }

#pragma warning disable CA5351 // Kinesis routes by MD5; this is the routing function, not security.
        private static BigInteger Md5(string key) => new(MD5.HashData(Encoding.UTF8.GetBytes(key)), isUnsigned: true, isBigEndian: true);
#pragma warning restore CA5351

        /// <summary>The hash key a choice routes by, and the explicit hash key to send (if any).</summary>
        private (BigInteger Hash, string? Explicit) Resolve(HashChoice choice)
        {
            if (choice.Explicit is { } explicitKey)
            {
                return (explicitKey, Dec(explicitKey));
            }

            if (choice.EdgePick >= 0)
            {
                // A range end of an open shard, or the very edges of the hash space.
                var open = OpenByStart();
                var shard = open[choice.EdgePick % open.Count];
                var edge = (choice.EdgePick / open.Count % 4) switch
                {
                    0 => shard.Start,
                    1 => shard.End,
                    2 => BigInteger.Zero,
                    _ => HashSpace - 1,
                };
                return (edge, Dec(edge));
            }

            return (Md5(choice.Key), null);
        }

        private ModelShard Route(BigInteger hash)
        {
            var owners = shards.Values.Where(s => s.Open && s.Start <= hash && hash <= s.End).ToList();
            Expect(owners.Count == 1, $"the model's open shards cover {hash} exactly once");
            return owners[0];
        }

        private void Record(ModelShard shard, string shardId, string sequenceText, string key, string data)
        {
            Expect(shardId == shard.Id, $"a record with hash key in [{shard.Start}, {shard.End}] went to {shardId}, not {shard.Id}");
            var sequence = Big(sequenceText);
            Expect(sequence > shard.LastSequence, $"sequence number {sequence} on {shard.Id} is above the shard's last {shard.LastSequence}");
            Expect(issued.Add(sequence), $"sequence number {sequence} is unique in the stream");
            shard.LastSequence = sequence;
            shard.Records.Add(new ModelRecord(sequence, sequenceText, key, data, Now));
        }

        private void DoPutOne(HashChoice choice)
        {
            var (hash, explicitKey) = Resolve(choice);
            var shard = Route(hash);
            var data = $"d{nextData++}";
            var result = Sync(stream.PutRecordAsync(new PutRecordRequest(choice.Key, Encoding.UTF8.GetBytes(data)) { ExplicitHashKey = explicitKey }));
            Record(shard, result.ShardId, result.SequenceNumber, choice.Key, data);
        }

        private void DoPutBatch(HashChoice[] choices)
        {
            var entries = choices.Select(c => (Choice: c, Resolved: Resolve(c), Data: $"d{nextData++}")).ToList();
            var result = Sync(stream.PutRecordsAsync(entries
                .Select(e => new PutRecordsRequestEntry(e.Choice.Key, Encoding.UTF8.GetBytes(e.Data)) { ExplicitHashKey = e.Resolved.Explicit })
                .ToList()));
            Expect(result.FailedRecordCount == 0 && result.Records.Count == entries.Count, "PutRecords answers every entry, none failed");

            // PutRecords does not promise order within a call: append each shard's entries in sequence-number order.
            var placed = entries.Zip(result.Records, (e, r) => (Entry: e, Result: r))
                .OrderBy(p => Big(p.Result.SequenceNumber!))
                .ToList();
            foreach (var (entry, answer) in placed)
            {
                Expect(answer.ErrorCode is null && answer.ShardId is not null, "a successful entry has a shard and no error");
                Record(Route(entry.Resolved.Hash), answer.ShardId!, answer.SequenceNumber!, entry.Choice.Key, entry.Data);
            }
        }

        private static void ExpectError(string code, Action action, string what)
        {
            try
            {
                action();
            }
            catch (BrokerException error) when (error.ErrorCode == code)
            {
                return;
            }

            throw new InvalidOperationException($"Model and engine disagree: {what} should fail with {code}.");
        }

        private static void Expect(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException($"Model and engine disagree: {what}.");
            }
        }

        private static T Sync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }
}
