// Checks the packages `dotnet pack` wrote (what each carries) and uses all three from them, as an app on a feed would.
// Usage: dotnet run --project tests/Broker.PackageTests -- <folder with the .nupkg and .snupkg files> <version>
// Prints one line per check and ends with "package checks: N passed, N failed"; exits 1 when any failed.
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Broker;
using Broker.Hosting;
using Broker.Queues;
using Broker.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Broker.PackageTests <package folder> <version>");
    return 2;
}

var folder = args[0];
var version = args[1];
var passed = 0;
var failed = 0;

void Check(string name, bool ok, string because = "")
{
    if (ok)
    {
        passed++;
        Console.WriteLine($"package: ok   {name}");
    }
    else
    {
        failed++;
        Console.WriteLine($"package: FAIL {name}{(because.Length > 0 ? ": " + because : "")}");
    }
}

string[] ids = ["Broker", "Broker.Hosting", "Broker.Testing"];
foreach (var id in ids)
{
    var nupkg = Path.Combine(folder, $"{id}.{version}.nupkg");
    var snupkg = Path.Combine(folder, $"{id}.{version}.snupkg");
    Check($"{id}: package exists", File.Exists(nupkg), nupkg);
    Check($"{id}: symbol package exists", File.Exists(snupkg), snupkg);
    if (!File.Exists(nupkg) || !File.Exists(snupkg))
    {
        continue;
    }

    using (var package = ZipFile.OpenRead(nupkg))
    {
        var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        foreach (var file in new[] { "README.md", "LICENSE", $"lib/net10.0/{id}.dll", $"lib/net10.0/{id}.xml" })
        {
            Check($"{id}: carries {file}", entries.Contains(file));
        }

        XNamespace ns;
        XElement metadata;
        using (var nuspec = package.GetEntry($"{id}.nuspec")!.Open())
        {
            var document = XDocument.Load(nuspec);
            ns = document.Root!.Name.Namespace;
            metadata = document.Root.Element(ns + "metadata")!;
        }

        string? Meta(string name) => metadata.Element(ns + name)?.Value;
        Check($"{id}: version {version}", Meta("version") == version, Meta("version") ?? "none");
        Check($"{id}: licence MIT", metadata.Element(ns + "license") is { } license
            && (string?)license.Attribute("type") == "expression" && license.Value == "MIT");
        Check($"{id}: readme", Meta("readme") == "README.md");
        Check($"{id}: description", !string.IsNullOrWhiteSpace(Meta("description")));
        var repository = metadata.Element(ns + "repository");
        Check($"{id}: repository commit", repository is not null && (string?)repository.Attribute("type") == "git"
            && Regex.IsMatch((string?)repository.Attribute("commit") ?? "", "^[0-9a-f]{40}$"), repository?.ToString() ?? "none");

        using var xml = package.GetEntry($"lib/net10.0/{id}.xml")?.Open();
        Check($"{id}: XML docs name members", xml is not null && XDocument.Load(xml).Descendants("member").Count() > 20);

        if (id == "Broker.Testing")
        {
            // The harness reads internals of Broker and Broker.Hosting: it must pin their exact versions.
            var dependencies = metadata.Descendants(ns + "dependency")
                .ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!, StringComparer.Ordinal);
            foreach (var pinned in new[] { "Broker", "Broker.Hosting" })
            {
                Check($"{id}: depends on exactly {pinned} {version}",
                    dependencies.TryGetValue(pinned, out var range) && range == $"[{version}]", range ?? "missing");
            }
        }
    }

    using (var symbols = ZipFile.OpenRead(snupkg))
    {
        var pdbEntry = symbols.GetEntry($"lib/net10.0/{id}.pdb");
        Check($"{id}: symbol package carries {id}.pdb", pdbEntry is not null);
        if (pdbEntry is null)
        {
            continue;
        }

        using var pdbStream = new MemoryStream();
        using (var entryStream = pdbEntry.Open())
        {
            entryStream.CopyTo(pdbStream);
        }

        pdbStream.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var pdb = provider.GetMetadataReader();
        var documents = pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).ToList();
        Check($"{id}: portable PDB lists its sources", documents.Count > 0);
        // A CI build (ContinuousIntegrationBuild) maps the checkout's path to /_/, so the PDB names no build machine.
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Check($"{id}: deterministic source paths (/_/)", documents.All(d => d.StartsWith("/_/", StringComparison.Ordinal)),
                documents.FirstOrDefault(d => !d.StartsWith("/_/", StringComparison.Ordinal)) ?? "");
        }

        // SourceLink: present when the checkout has a remote on a known host (a clone of the published repository).
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var hasSourceLink = pdb.CustomDebugInformation
            .Select(h => pdb.GetCustomDebugInformation(h))
            .Any(c => pdb.GetGuid(c.Kind) == sourceLinkKind);
        Console.WriteLine($"package: info {id}: SourceLink map {(hasSourceLink ? "present" : "absent (this checkout has no remote on a SourceLink host)")}");
    }
}

// The packages in use: a host with a queue, a typed producer, a hosted consumer and the test harness, all from the feed.
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();   // the failing order logs its retries; the checks below say what matters
builder.Services.AddBroker(b => b.AddQueue("orders-dlq")
    .AddQueue("orders", q => q with { RedrivePolicy = new RedrivePolicy("orders-dlq", MaxReceiveCount: 2) }));
builder.Services.AddQueueConsumer<Order, OrderHandler>("orders");
builder.Services.AddBrokerTestHarness();
using var host = builder.Build();
await host.StartAsync();
var harness = host.Services.GetRequiredService<BrokerTestHarness>();
var orders = host.Services.GetRequiredKeyedService<IQueue<Order>>("orders");
await orders.SendAsync(new Order("A-1", 25m));
await orders.SendAsync(new Order("A-2", -1m));
await harness.WaitForIdleAsync();
await harness.AdvanceAsync(TimeSpan.FromMinutes(2));
Check("in use: a handled order is deleted", harness.Deleted("orders").Count == 1, $"{harness.Deleted("orders").Count} deleted");
Check("in use: a failing order is dead-lettered after two receives",
    harness.DeadLettered("orders") is [{ ReceiveCount: 2 } moved] && moved.GetBody<Order>().Id == "A-2",
    string.Join(", ", harness.DeadLettered("orders")));
await host.StopAsync();

Console.WriteLine($"package checks: {passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;

/// <summary>An order, as the app sends it.</summary>
internal sealed record Order(string Id, decimal Total);

/// <summary>Accepts orders with a positive total; throws for the rest so they are retried and dead-lettered.</summary>
internal sealed class OrderHandler : IMessageHandler<Order>
{
    public ValueTask HandleAsync(Order message, MessageContext context, CancellationToken cancellationToken)
        => message.Total > 0 ? ValueTask.CompletedTask : throw new InvalidOperationException($"order {message.Id} has no total");
}
