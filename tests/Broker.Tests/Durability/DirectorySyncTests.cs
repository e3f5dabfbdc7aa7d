using Broker.Durability.Internal;

namespace Broker.Tests.Durability;

/// <summary>The journal flushes its directory's entries through the operating system (a power loss cannot drop a new segment's name).</summary>
public sealed class DirectorySyncTests
{
    [Fact]
    public void A_directory_is_flushed_and_a_missing_one_fails_naming_it()
    {
        var directory = Directory.CreateTempSubdirectory("broker-dirsync-").FullName;
        try
        {
            DirectorySync.Flush(directory);

            var missing = Path.Combine(directory, "missing");
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                var error = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));
                Assert.Contains(missing, error.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
