using System.Runtime.InteropServices;

namespace Broker.Durability.Internal;

/// <summary>
/// Flushes a directory's entries to disk. A file's own flush makes its bytes durable, but on Linux and macOS the name
/// that points at it lives in its directory, which needs a flush of its own: without it a power loss can lose a segment
/// created, or a snapshot renamed, just before. (On Windows, NTFS journals directory changes itself; there is nothing to do.
/// On macOS, fsync hands the entries to the drive without emptying the drive's own cache, which F_FULLFSYNC would.)
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, on Linux and macOS alike
    private const int CloseOnExecLinux = 0x80000; // O_CLOEXEC on Linux: a child process never inherits the descriptor
    private const int InvalidArgument = 22; // EINVAL: the file system cannot flush a directory (some FUSE and network ones)

    /// <summary>Flushes <paramref name="directory"/>'s entries (new, renamed and deleted files) to disk.</summary>
    /// <exception cref="IOException">The directory could not be opened or flushed.</exception>
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly | (OperatingSystem.IsLinux() ? CloseOnExecLinux : 0));
        if (descriptor < 0)
        {
            throw Failure("open", directory);
        }

        try
        {
            if (Fsync(descriptor) != 0 && Marshal.GetLastPInvokeError() != InvalidArgument)
            {
                throw Failure("fsync", directory);
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string call, string directory) =>
        new($"{call} of the journal directory '{directory}' failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
